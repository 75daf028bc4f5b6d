import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client, listS3Objects, withS3Retry, type S3Settings } from '../../src/s3';

/** The shared MinIO from scripts/services.sh (started by vitest's global setup). */
export function sharedMinio(): S3Settings {
  const endpoint = process.env.WINNOW_S3_ENDPOINT;
  const accessKeyId = process.env.WINNOW_S3_ACCESS_KEY_ID;
  const secretAccessKey = process.env.WINNOW_S3_SECRET_ACCESS_KEY;
  if (!endpoint || !accessKeyId || !secretAccessKey) throw new Error('WINNOW_S3_* env vars missing: run through vitest (global setup) or source scripts/services.sh env');
  return { endpoint, accessKeyId, secretAccessKey, region: process.env.WINNOW_S3_REGION ?? 'us-east-1', forcePathStyle: true };
}

/** A bucket name no other test file (or engineer) uses. */
export function uniqueBucket(label: string): string {
  return `winnow-${label}-${randomBytes(4).toString('hex')}`.toLowerCase().slice(0, 63);
}

export async function createBucket(s3: S3Settings, bucket: string): Promise<void> {
  const client = createS3Client(s3);
  try {
    // A MinIO that has just started may answer 503 (not initialized) for a moment.
    await withS3Retry(() => client.send(new CreateBucketCommand({ Bucket: bucket })));
  } finally {
    client.destroy();
  }
}

/** Empties and removes a bucket. */
export async function dropBucket(s3: S3Settings, bucket: string): Promise<void> {
  const client = createS3Client(s3);
  try {
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      batch = [];
    };
    for await (const o of listS3Objects({ client, bucket })) {
      batch.push(o.key);
      if (batch.length === 1000) await flush();
    }
    await flush();
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch {
    // Cleanup is best effort: a leftover test bucket must not fail the suite.
  } finally {
    client.destroy();
  }
}

/** Deterministic pseudo-random bytes, so expected checksums are known without keeping the data. */
export function objectBody(key: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(key).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** Puts `keys` with bodies from objectBody, `concurrency` at a time; returns key → md5. */
export async function putObjects(client: S3Client, bucket: string, keys: string[], size: (key: string) => number, concurrency = 16): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) {
        const key = keys[next++];
        const body = objectBody(key, size(key));
        await withS3Retry(() => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })));
        sums.set(key, md5(body));
      }
    }),
  );
  return sums;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A MinIO of this test's own (binary from WINNOW_MINIO_BIN, temp data dir, free port), so it can be killed and
 * restarted without touching the shared one other suites use.
 */
export class PrivateMinio {
  readonly dataDir = mkdtempSync(path.join(os.tmpdir(), 'winnow-minio-'));
  readonly user = 'privateadmin';
  readonly password = `private-${randomBytes(8).toString('hex')}`;
  #process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateMinio> {
    const minio = new PrivateMinio(await freePort());
    await minio.start();
    return minio;
  }

  get settings(): S3Settings {
    return { endpoint: `http://127.0.0.1:${this.port}`, accessKeyId: this.user, secretAccessKey: this.password, region: 'us-east-1', forcePathStyle: true };
  }

  async start(): Promise<void> {
    const bin = process.env.WINNOW_MINIO_BIN;
    if (!bin) throw new Error('WINNOW_MINIO_BIN is not set (vitest global setup exports it)');
    this.#process = spawn(bin, ['server', this.dataDir, '--address', `127.0.0.1:${this.port}`, '--quiet'], {
      env: { ...process.env, MINIO_ROOT_USER: this.user, MINIO_ROOT_PASSWORD: this.password, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off', MINIO_CALLHOME_ENABLE: 'off' },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (await healthy(this.port, '/minio/health/live')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`private MinIO on port ${this.port} did not become healthy`);
  }

  /** SIGKILL, like a crash: no graceful drain of open connections. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    this.#process = undefined;
  }
}

function healthy(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => {
      request.destroy();
      resolve(false);
    });
  });
}

/**
 * A pass-through proxy in front of MinIO that adds `extraKeys` to every ListObjectsV2 answer: MinIO itself refuses
 * to store keys like `../x`, but another S3 server may list them, and the sync must refuse to write them.
 * The Host header is forwarded unchanged, so MinIO verifies the client's signature as made for the proxy.
 * `stats.bytes` counts the response bytes of every other request, to show how much data left the store.
 */
export async function startListingProxy(target: string, extraKeys: string[]): Promise<{ endpoint: string; stats: { bytes: number }; close(): Promise<void> }> {
  const stats = { bytes: 0 };
  const upstream = new URL(target);
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const server = http.createServer((req, res) => {
    const isList = req.method === 'GET' && /[?&]list-type=2/.test(req.url ?? '');
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      if (!isList || up.statusCode !== 200) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.on('data', (c: Buffer) => (stats.bytes += c.length));
        up.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const extra = extraKeys
          .map((k) => `<Contents><Key>${escape(k)}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"0123456789abcdef0123456789abcdef"</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>`)
          .join('');
        const body = Buffer.from(Buffer.concat(chunks).toString('utf8').replace('</ListBucketResult>', `${extra}</ListBucketResult>`));
        const headers = { ...up.headers, 'content-length': String(body.length) };
        res.writeHead(200, headers);
        res.end(body);
      });
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
