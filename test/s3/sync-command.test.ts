import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, listS3Objects, type S3Settings } from '../../src/s3';
import { createBucket, dropBucket, sharedMinio, uniqueBucket } from './minio-fixtures';

// The built CLI (vitest's global setup runs the build), exactly as a user runs it.
const bin = path.join(__dirname, '..', '..', 'bin', 'winnow.js');

let s3: S3Settings;
const bucket = uniqueBucket('cli');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-cli-sync-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function winnow(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, HOME: tmp, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const allOutput: string[] = [];
async function run(args: string[], env?: Record<string, string | undefined>): Promise<Run> {
  const result = await winnow(args, env);
  allOutput.push(result.stdout, result.stderr);
  return result;
}

beforeAll(async () => {
  s3 = sharedMinio();
  await createBucket(s3, bucket);
  const client = createS3Client(s3);
  for (let i = 0; i < 40; i++) await client.send(new PutObjectCommand({ Bucket: bucket, Key: `farm/${i % 2 ? 'cows' : 'sheep'}/${i}.jpg`, Body: `image ${i}` }));
  client.destroy();
});

afterAll(async () => {
  await dropBucket(s3, bucket);
  rmSync(tmp, { recursive: true, force: true });
  // No command printed the secret anywhere, whatever it did.
  expect(allOutput.join('\n')).not.toContain(s3.secretAccessKey!);
});

describe('winnow sync', () => {
  it('downloads with keys from the environment and prints a JSON result on stdout', async () => {
    const dir = path.join(tmp, 'farm');
    const r = await run(['sync', `s3://${bucket}/farm`, dir, '--endpoint', s3.endpoint!, '--json', '--concurrency', '4', '--threads', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ source: `s3://${bucket}/farm`, target: dir, listed: 40, downloaded: 40, failed: [], refused: [] });
    expect(readFileSync(path.join(dir, 'cows', '1.jpg'), 'utf8')).toBe('image 1');
  });

  it('prints a human summary, and a plan for --dry-run with filters and --delete', async () => {
    const dir = path.join(tmp, 'farm');
    writeFileSync(path.join(dir, 'stray.jpg'), 'x');
    const again = await run(['sync', `s3://${bucket}/farm`, dir, '--endpoint', s3.endpoint!]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/listed 40, downloaded 0, skipped 40, deleted 0, failed 0, refused 0/);
    const dry = await run(['sync', `s3://${bucket}/farm`, path.join(tmp, 'fresh'), '--endpoint', s3.endpoint!, '--dry-run', '--include', 'cows/**', '--exclude', '1*.jpg', '--delete']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run: would download 14 \(0\.0 MB\), skip 0 \(0\.0 MB\), delete 0/);
    expect(dry.stdout).toContain(`download farm/cows/3.jpg (7 B)`);
    const del = await run(['sync', `s3://${bucket}/farm`, dir, '--endpoint', s3.endpoint!, '--delete', '--json']);
    expect(JSON.parse(del.stdout)).toMatchObject({ deleted: 1, downloaded: 0 });
  });

  it('uploads a folder to s3://', async () => {
    const src = path.join(tmp, 'upload');
    mkdirSync(path.join(src, 'a'), { recursive: true });
    writeFileSync(path.join(src, 'a', 'x.png'), 'png');
    writeFileSync(path.join(src, 'y.txt'), 'txt');
    const r = await run(['sync', src, `s3://${bucket}/up`, '--endpoint', s3.endpoint!, '--images-only', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ uploaded: 1, listed: 1 });
    const client = createS3Client(s3);
    const keys: string[] = [];
    for await (const o of listS3Objects({ client, bucket, prefix: 'up/' })) keys.push(o.key);
    client.destroy();
    expect(keys).toEqual(['up/a/x.png']);
  });

  it('exits 1 with the reason for refused credentials, never echoing the secret', async () => {
    const secret = 'cli-wrong-secret-abcdefghijklmnop';
    const r = await run(['sync', `s3://${bucket}/farm`, path.join(tmp, 'denied'), '--endpoint', s3.endpoint!], { AWS_SECRET_ACCESS_KEY: secret });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^winnow: listing s3:\/\/.* was refused: SignatureDoesNotMatch/);
    expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('exits 2 for bad arguments', async () => {
    expect((await run(['sync', './a', './b'])).code).toBe(2);
    expect((await run(['sync', 's3://b/x', 's3://c/y'])).code).toBe(2);
    expect((await run(['sync', 'not-a-uri-s3://', `s3://${bucket}`, '--concurrency', '0'])).code).toBe(2);
    const threads = await run(['sync', `s3://${bucket}/farm`, path.join(tmp, 'y'), '--threads', '-1']);
    expect(threads.code).toBe(2);
    expect(threads.stderr).toMatch(/--threads must be an integer from 0 to 64, got -1/);
    const bad = await run(['sync', 's3://-bad/x', path.join(tmp, 'x'), '--endpoint', s3.endpoint!]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid bucket name/);
  });
});
