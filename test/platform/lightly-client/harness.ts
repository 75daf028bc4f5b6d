import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { createS3Client } from '../../../src/s3';
import { createBucket, dropBucket, sharedMinio, uniqueBucket } from '../../s3/minio-fixtures';
import { winnowCli } from '../../winnow-cli';

const ROOT = path.join(__dirname, '..', '..', '..');
const run = promisify(execFile);

/** The venv of one tested lightly version, installed by `npm run test:setup` (scripts/lightly-clients/install.sh). */
export function lightlyPython(version: '1.5.26' | '1.4.7'): string {
  const cacheRoot = process.env.WINNOW_CACHE_DIR ?? path.join(homedir(), '.cache', 'winnow');
  const python = path.join(cacheRoot, `lightly-${version}`, 'bin', 'python');
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`npm run test:setup\` (scripts/lightly-clients/install.sh) first`);
  return python;
}

/** One line a client script printed for a step. */
export interface StepResult {
  step: string;
  ok: boolean;
  detail?: unknown;
  error?: string;
  trace?: string;
}

/** Runs a client script with `python`, returns its JSON step lines (and stderr, for failures). */
export async function runClientScript(python: string, script: string, env: Record<string, string>, timeoutMs = 240_000): Promise<{ steps: StepResult[]; stderr: string }> {
  let stdout = '';
  let stderr = '';
  try {
    ({ stdout, stderr } = await run(python, [path.join(__dirname, script)], { env: { ...process.env, ...env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' }, timeout: timeoutMs, maxBuffer: 64 << 20 }));
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    stdout = failed.stdout ?? '';
    stderr = `${failed.stderr ?? ''}\n${failed.message}`;
  }
  const steps = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as StepResult);
  return { steps, stderr };
}

/** A real `winnow serve` (the built CLI) with two users, MinIO as its datasource endpoint and a LOCAL datasource root. */
export interface LightlyTestServer {
  url: string;
  home: string;
  tokens: { first: string; second: string };
  secondUser: string;
  localRoot: string;
  s3: { bucket: string; prefix: string; region: string; accessKeyId: string; secretAccessKey: string; endpoint: string; files: string[] };
  local: { fullPath: string; files: string[] };
  close(): Promise<void>;
}

async function tokenFor(home: string, user: string): Promise<string> {
  const created = await winnowCli(['token', 'create', '--home', home, '--user', user, '--name', 'lightly-test', '--json']);
  if (created.code !== 0) throw new Error(`token create failed: ${created.stderr}`);
  return (JSON.parse(created.stdout) as { token: string }).token;
}

/** Files in the S3 datasource's `.lightly/` folder (prediction task `weeds`, metadata), by key under the datasource. */
const LIGHTLY_OUTPUTS: Record<string, string> = {
  '.lightly/predictions/weeds/cow-1.json': JSON.stringify({ file_name: 'cow-1.jpg', predictions: [] }),
  '.lightly/predictions/weeds/barn/cow-3.json': JSON.stringify({ file_name: 'barn/cow-3.jpg', predictions: [] }),
  '.lightly/metadata/cow-2.json': JSON.stringify({ file_name: 'cow-2.jpg', type: 'image', metadata: { weather: 'sunny' } }),
};

async function photo(seed: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="100%" height="100%" fill="rgb(${(seed * 70) % 255},120,${(seed * 40) % 255})"/><circle cx="${60 + seed * 30}" cy="120" r="50" fill="white"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

export async function startLightlyTestServer(): Promise<LightlyTestServer> {
  const home = await mkdtemp(path.join(tmpdir(), 'winnow-lightly-'));
  const localRoot = path.join(home, 'local-root');
  const localFiles = ['a.jpg', 'sub/b.jpg'];
  await mkdir(path.join(localRoot, 'camera-1', 'sub'), { recursive: true });
  for (const [i, name] of localFiles.entries()) await writeFile(path.join(localRoot, 'camera-1', name), await photo(i));
  // A file beside the datasource folder that no LOCAL config may reach.
  await writeFile(path.join(localRoot, 'secret.txt'), 'not for datasources');

  const minio = sharedMinio();
  const bucket = uniqueBucket('lightly');
  await createBucket(minio, bucket);
  const s3Files = ['cow-1.jpg', 'cow-2.jpg', 'barn/cow-3.jpg'];
  const client = createS3Client(minio);
  try {
    for (const [i, name] of s3Files.entries()) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `farm/${name}`, Body: await photo(i + 3), ContentType: 'image/jpeg' }));
    }
    // Lightly's output folders: a prediction task's files and metadata files, listed apart from the samples.
    for (const [key, body] of Object.entries(LIGHTLY_OUTPUTS)) await client.send(new PutObjectCommand({ Bucket: bucket, Key: `farm/${key}`, Body: body }));
  } finally {
    client.destroy();
  }

  const tokens = { first: await tokenFor(home, 'ada@example.com'), second: await tokenFor(home, 'grace@example.com') };
  const endpoint = minio.endpoint!;
  const server: ChildProcess = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin', 'winnow.js'),
      'serve',
      '--home',
      home,
      '--port',
      '0',
      '--local-datasource-root',
      localRoot,
      '--datasource-s3-endpoint',
      endpoint,
      '--s3-endpoint-allow',
      endpoint,
    ],
    { cwd: ROOT, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`winnow serve did not start: ${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\s*\(.*$/, ''));
      }
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
    server.once('exit', (code) => reject(new Error(`winnow serve exited with ${code}: ${output}`)));
  });
  return {
    url,
    home,
    tokens,
    secondUser: 'grace@example.com',
    localRoot,
    s3: { bucket, prefix: 'farm/', region: minio.region ?? 'us-east-1', accessKeyId: minio.accessKeyId!, secretAccessKey: minio.secretAccessKey!, endpoint, files: s3Files },
    local: { fullPath: 'camera-1/', files: localFiles },
    async close() {
      server.kill('SIGTERM');
      await new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
      await dropBucket(minio, bucket);
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** The environment the client scripts read (see the docstring of session_1_5_26.py). */
export function clientEnv(server: LightlyTestServer, work: string): Record<string, string> {
  return {
    LIGHTLY_SERVER_LOCATION: server.url,
    WINNOW_TOKEN: server.tokens.first,
    WINNOW_TOKEN_2: server.tokens.second,
    WINNOW_USER_2: server.secondUser,
    WINNOW_WORK: work,
    WINNOW_S3: JSON.stringify(server.s3),
    WINNOW_LOCAL: JSON.stringify(server.local),
  };
}
