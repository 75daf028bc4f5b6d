import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/platform/store/store';
import { embeddingsCsv } from '../platform/helpers';
import { winnowCli } from '../winnow-cli';
import { request, startCanary, startServe, tokenFor, type Canary, type ServeProcess } from './serve-harness';

/**
 * The probes of issue #20, each against a real `winnow serve` (the built CLI) on 127.0.0.1: what an attacker with a
 * valid token tried, and what must happen now. A second local listener (the canary) stands in for an internal
 * service; no probe may make the server send it anything.
 */
// eslint-disable-next-line no-control-regex -- control characters are what these probes smuggle
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const HOSTILE_NAME = 'x\u001b[2K\r\u001b[32mADMIN TOKEN OK\u001b[0m';

let home: string;
let serve: ServeProcess;
let canary: Canary;
let token: string;
let other: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'winnow-security-'));
  token = await tokenFor(home, 'local', 'probe');
  other = await tokenFor(home, 'mallory', 'mallory');
  canary = await startCanary();
  serve = await startServe(home, ['--log']);
});

afterAll(async () => {
  await serve?.stop();
  await canary?.close();
  await rm(home, { recursive: true, force: true });
});

async function createDataset(name: string, as = token): Promise<string> {
  const created = await request(`${serve.url}/v1/datasets`, { method: 'POST', token: as, body: { name } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

describe('1. SSRF through S3 datasources', () => {
  it('refuses endpoints on loopback, link-local and private addresses, by IP or by name, and the canary hears nothing', async () => {
    const id = await createDataset('ssrf');
    for (const endpoint of [canary.url, `http://localhost:${canary.port}`, 'http://169.254.169.254', 'http://10.0.0.1:9000', `http://[::ffff:127.0.0.1]:${canary.port}`]) {
      const put = await request(`${serve.url}/v1/datasets/${id}/datasource`, {
        method: 'PUT',
        token,
        body: { type: 'S3', fullPath: 's3://bucket/p/', s3Region: 'us-east-1', s3AccessKeyId: 'k', s3SecretAccessKey: 's', s3Endpoint: endpoint },
      });
      expect(put.status, endpoint).toBe(400);
      expect(put.body).toMatchObject({ code: 'S3_ENDPOINT_NOT_ALLOWED', location: { column: 's3Endpoint' } });
    }
    expect(canary.requests).toEqual([]);
  });

  it('refuses to use a datasource stored before the policy: verify and list answer 400 and send nothing', async () => {
    const id = await createDataset('legacy-datasource');
    // As an older version stored it, straight into the database.
    const store = await openStore({ home, databaseUrl: '' });
    try {
      const config = { type: 'S3', fullPath: 's3://bucket/p/', s3Region: 'us-east-1', s3AccessKeyId: 'k', s3Endpoint: canary.url, purpose: 'INPUT_OUTPUT', id: 'legacy' };
      const now = Date.now();
      await store.db
        .insertInto('datasources')
        .values({ id: `ds${now}`.slice(0, 24), dataset_id: id, purpose: 'INPUT_OUTPUT', type: 'S3', config: JSON.stringify(config), secret: store.secrets.encrypt('s'), created_at: now, last_modified_at: now })
        .execute();
    } finally {
      await store.close();
    }
    for (const route of ['verify', 'list']) {
      const answer = await request(`${serve.url}/v1/datasets/${id}/datasource/${route}`, { token });
      expect(answer.status, route).toBe(400);
      expect(answer.body.code).toBe('S3_ENDPOINT_NOT_ALLOWED');
    }
    expect(canary.requests).toEqual([]);
  });

  it('refuses sample names with ".." segments, so readurlRedirect never presigns p/../../../../etc/passwd', async () => {
    const id = await createDataset('traversal');
    const created = await request(`${serve.url}/v1/datasets/${id}/samples`, { method: 'POST', token, body: { fileName: '../../../../etc/passwd' } });
    expect(created.status).toBe(400);
    expect(created.body.location.column).toMatch(/fileName$/);
    const absolute = await request(`${serve.url}/v1/datasets/${id}/samples`, { method: 'POST', token, body: { fileName: '/etc/passwd' } });
    expect(absolute.status).toBe(400);
  });
});

describe('1b. a listed endpoint works (MinIO, listed by host:port the way an operator would)', () => {
  it('verifies a MinIO datasource on a server started with --s3-endpoint-allow', async () => {
    const endpoint = process.env.WINNOW_S3_ENDPOINT as string;
    const accessKeyId = process.env.WINNOW_S3_ACCESS_KEY_ID as string;
    const secretAccessKey = process.env.WINNOW_S3_SECRET_ACCESS_KEY as string;
    expect(endpoint, 'WINNOW_S3_ENDPOINT comes from scripts/services.sh (vitest global setup)').toBeTruthy();
    const bucket = `winnow-security-${Date.now().toString(36)}`;
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'p/a.jpg', Body: 'a' }));
    s3.destroy();
    const listedHome = await mkdtemp(path.join(tmpdir(), 'winnow-security-listed-'));
    const listedToken = await tokenFor(listedHome);
    const listed = await startServe(listedHome, ['--s3-endpoint-allow', new URL(endpoint).host]);
    try {
      const id = (await request(`${listed.url}/v1/datasets`, { method: 'POST', token: listedToken, body: { name: 'minio' } })).body.id;
      const config = { type: 'S3', fullPath: `s3://${bucket}/p/`, s3Region: 'us-east-1', s3AccessKeyId: accessKeyId, s3SecretAccessKey: secretAccessKey, s3Endpoint: endpoint };
      expect((await request(`${listed.url}/v1/datasets/${id}/datasource`, { method: 'PUT', token: listedToken, body: config })).status).toBe(200);
      const verify = await request(`${listed.url}/v1/datasets/${id}/datasource/verify`, { token: listedToken });
      expect(verify.body).toMatchObject({ canList: true, canRead: true });
      // Another port on the same host is not what the operator listed.
      const elsewhere = await request(`${listed.url}/v1/datasets/${id}/datasource`, { method: 'PUT', token: listedToken, body: { ...config, s3Endpoint: canary.url } });
      expect(elsewhere.status).toBe(400);
      expect(canary.requests).toEqual([]);
    } finally {
      await listed.stop();
      await rm(listedHome, { recursive: true, force: true });
    }
  });
});

describe('2. terminal escapes through names', () => {
  it('refuses control characters in token, dataset and tag names with a 400 naming the field', async () => {
    const tokenCreate = await request(`${serve.url}/v1/tokens`, { method: 'POST', token: other, body: { name: HOSTILE_NAME } });
    expect(tokenCreate.status).toBe(400);
    expect(tokenCreate.body.location).toMatchObject({ file: 'body', column: 'name' });
    const dataset = await request(`${serve.url}/v1/datasets`, { method: 'POST', token: other, body: { name: `ds${HOSTILE_NAME}` } });
    expect(dataset.status).toBe(400);
    expect(dataset.body.location).toMatchObject({ column: 'name' });
    const cli = await winnowCli(['token', 'create', '--home', home, '--name', HOSTILE_NAME]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('control character U+001B');
    expect(cli.stderr).not.toMatch(RAW_CONTROL);
  });

  it('prints names escaped in `winnow token list` and `winnow datasets`, even ones stored before the check', async () => {
    const store = await openStore({ home, databaseUrl: '' });
    try {
      await store.db.updateTable('api_tokens').set({ name: HOSTILE_NAME }).where('name', '=', 'mallory').execute();
      await store.db.updateTable('datasets').set({ name: `legacy${HOSTILE_NAME}` }).where('name', '=', 'ssrf').execute();
    } finally {
      await store.close();
    }
    const list = await winnowCli(['token', 'list', '--home', home]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('x\\x1b[2K\\r\\x1b[32mADMIN TOKEN OK\\x1b[0m');
    expect(list.stdout).not.toMatch(RAW_CONTROL);
    const datasets = await winnowCli(['datasets', '--home', home]);
    expect(datasets.code).toBe(0);
    expect(datasets.stdout).toContain('legacyx\\x1b[2K');
    expect(datasets.stdout).not.toMatch(RAW_CONTROL);
  });
});

describe('3. interrupted uploads', () => {
  it('removes the .upload-*.csv a killed server left, at the next start', async () => {
    const crashHome = await mkdtemp(path.join(tmpdir(), 'winnow-security-crash-'));
    const crashToken = await tokenFor(crashHome);
    let server = await startServe(crashHome);
    try {
      const id = (await request(`${server.url}/v1/datasets`, { method: 'POST', token: crashToken, body: { name: 'crash' } })).body.id;
      const { signedWriteUrl } = (await request(`${server.url}/v1/datasets/${id}/embeddings/writeCSVUrl?name=default`, { token: crashToken })).body;
      const uploads = path.join(crashHome, 'storage', id, 'embeddings');
      // Stream the start of a CSV and keep the request open, as a large upload would be.
      const put = httpRequest(signedWriteUrl, { method: 'PUT', headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' } });
      put.on('error', () => undefined);
      put.write('filenames,embedding_0,labels\r\n' + 'a.png,0.1,0\r\n'.repeat(10_000));
      const started = Date.now();
      while (!(await readdir(uploads).catch(() => [] as string[])).some((f) => f.startsWith('.upload-'))) {
        if (Date.now() - started > 10_000) throw new Error('the upload never reached the disk');
        await new Promise((r) => setTimeout(r, 50));
      }
      await server.kill();
      put.destroy();
      expect((await readdir(uploads)).filter((f) => f.startsWith('.upload-'))).toHaveLength(1);
      server = await startServe(crashHome);
      expect((await readdir(uploads)).filter((f) => f.startsWith('.upload-'))).toEqual([]);
    } finally {
      await server.stop();
      await rm(crashHome, { recursive: true, force: true });
    }
  });

  it('removes the upload when it fails validation', async () => {
    const id = await createDataset('failed-upload');
    const { signedWriteUrl } = (await request(`${serve.url}/v1/datasets/${id}/embeddings/writeCSVUrl?name=default`, { token })).body;
    const put = await request(signedWriteUrl, { method: 'PUT', body: 'filenames,embedding_0,labels\r\na.png,not-a-number,0\r\n' });
    expect(put.status).toBe(400);
    expect((await readdir(path.join(home, 'storage', id, 'embeddings'))).filter((f) => f.startsWith('.upload-'))).toEqual([]);
  });
});

describe('4. the CLI reads only inside its input folder', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'winnow-security-cli-'));
    await mkdir(path.join(work, 'in'));
    await mkdir(path.join(work, 'outside'));
    const png = (shade: number) => sharp({ create: { width: 8, height: 6, channels: 3, background: { r: shade, g: 0, b: 0 } } }).png().toBuffer();
    await writeFile(path.join(work, 'in', 'a.png'), await png(10));
    await writeFile(path.join(work, 'in', 'b.png'), await png(200));
    await writeFile(path.join(work, 'outside', 'private.png'), await png(90));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it.each([['../outside/private.png'], ['/etc/passwd'], ['a\\..\\..\\b.png']])('embeddings validate refuses a CSV naming %j', async (name) => {
    const csv = path.join(work, 'evil.csv');
    await writeFile(csv, embeddingsCsv(['a.png', name]));
    const result = await winnowCli(['embeddings', 'validate', csv]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/evil\.csv:3 \(column "filenames"\): file name .* (has a "\.\." segment|is an absolute path|contains a backslash)/);
  });

  it('winnow run refuses such a CSV and reads nothing outside --input', async () => {
    const csv = path.join(work, 'evil-run.csv');
    await writeFile(csv, embeddingsCsv(['a.png', '../outside/private.png']));
    const runHome = path.join(work, 'home-evil');
    const result = await winnowCli(['run', '--input', path.join(work, 'in'), '--embeddings', csv, '--dataset', 'evil', '--select', '1', '--home', runHome, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has a ".." segment');
    // No sample was made from the outside file (the dataset may not even exist).
    const store = await openStore({ home: runHome, databaseUrl: '' });
    try {
      expect(await store.db.selectFrom('samples').select('file_name').where('file_name', 'like', '%private%').execute()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('winnow run --upload full lists every image it could not store', async () => {
    const csv = path.join(work, 'missing.csv');
    await writeFile(csv, embeddingsCsv(['a.png', 'b.png', 'gone.png']));
    const result = await winnowCli(['run', '--input', path.join(work, 'in'), '--embeddings', csv, '--dataset', 'full', '--select', '1', '--upload', 'full', '--home', path.join(work, 'home-full'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { skipped: Array<{ file: string; reason: string }> };
    expect(summary.skipped).toEqual([expect.objectContaining({ file: 'gone.png', reason: expect.stringContaining('not stored') })]);
  });
});

describe('5. tokens never reach the log', () => {
  it('redacts ?to%6Ben= and other encodings of credential parameters', async () => {
    // Names the query parser decodes to `token` authenticate, so they must be redacted as `token` is.
    for (const query of [`to%6Ben=${token}`, `%74oken=${token}`, `t%6F%6Ben=${token}`]) {
      const answer = await request(`${serve.url}/v1/datasets?${query}`);
      expect(answer.status, query).toBe(200);
    }
    expect((await request(`${serve.url}/v1/datasets?TOKEN=${token}`)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(serve.output()).toContain('[redacted]');
    expect(serve.output()).not.toContain(token);
  });
});

describe('6. strict numbers', () => {
  it.each(['pageSize=1e3', 'pageOffset=1e20', 'pageSize=0x5', 'pageSize=3.9', 'pageOffset=99999999999999999999', 'pageSize=-1'])('answers 400 to %s', async (query) => {
    const id = await createDataset(`numbers-${query.replace(/[^a-z0-9]/gi, '')}`);
    const answer = await request(`${serve.url}/v1/datasets/${id}/samples?${query}`, { token });
    expect(answer.status).toBe(400);
    expect(answer.body.location).toMatchObject({ file: 'query', column: query.split('=')[0] });
  });

  it('reads nSamples as a count (1 selects one sample) and refuses 1.5; proportionSamples is the fraction', async () => {
    const id = await createDataset('counts');
    const names = Array.from({ length: 10 }, (_, i) => `s${i}.png`);
    await request(`${serve.url}/v1/datasets/${id}/samples/batch`, { method: 'POST', token, body: { samples: names.map((fileName) => ({ fileName })) } });
    const write = (await request(`${serve.url}/v1/datasets/${id}/embeddings/writeCSVUrl?name=default`, { token })).body;
    const { signedWriteUrl } = write;
    const embeddingId = write.embeddingId as string;
    expect((await request(signedWriteUrl, { method: 'PUT', body: embeddingsCsv(names) })).status).toBe(200);
    const select = async (newTagName: string, stoppingCondition: Record<string, number>) => {
      const started = await request(`${serve.url}/v1/datasets/${id}/embeddings/${embeddingId}/sampling`, { method: 'POST', token, body: { newTagName, method: 'CORESET', config: { stoppingCondition } } });
      if (started.status !== 200) return started;
      for (;;) {
        const job = await request(`${serve.url}/v1/jobs/${started.body.jobId}`, { token });
        if (job.body.status === 'FINISHED' || job.body.status === 'FAILED') return job;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const one = await select('one-sample', { nSamples: 1 });
    expect(one.body.status).toBe('FINISHED');
    const tag = await request(`${serve.url}/v1/datasets/${id}/tags/${one.body.result.data}`, { token });
    expect(tag.body.bitMaskData.replace(/^0x/, '').split('').reduce((n: number, h: string) => n + Number.parseInt(h, 16).toString(2).replace(/0/g, '').length, 0)).toBe(1);
    const fractional = await select('fraction-count', { nSamples: 1.5 });
    expect(fractional.status).toBe(400);
    expect(fractional.body.location.column).toBe('config.stoppingCondition.nSamples');
    const half = await select('half', { proportionSamples: 0.5 });
    expect(half.body.status).toBe('FINISHED');
  });
});

describe('7. text is UTF-8', () => {
  it('winnow metadata validate refuses UTF-16 and Latin-1 files, naming the byte offset', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'winnow-security-utf8-'));
    try {
      const json = '{"images": [{"id": 0, "file_name": "caf\u00e9.png"}], "metadata": [{"image_id": 0, "w": 1}]}';
      await writeFile(path.join(dir, 'utf16.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]));
      await writeFile(path.join(dir, 'latin1.json'), Buffer.from(json, 'latin1'));
      const utf16 = await winnowCli(['metadata', 'validate', path.join(dir, 'utf16.json')]);
      expect(utf16.code).toBe(1);
      expect(utf16.stderr).toMatch(/utf16\.json.*not valid UTF-8 at byte offset 0/);
      const latin1 = await winnowCli(['metadata', 'validate', path.join(dir, 'latin1.json')]);
      expect(latin1.code).toBe(1);
      expect(latin1.stderr).toContain(`byte offset ${json.indexOf('\u00e9')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('JSON bodies declared in another charset or holding invalid UTF-8 get a 400', async () => {
    const latin1 = await request(`${serve.url}/v1/datasets`, { method: 'POST', token, body: Buffer.from('{"name":"caf\u00e9s"}', 'latin1'), headers: { 'content-type': 'application/json; charset=latin1' } });
    expect(latin1.status).toBe(400);
    expect(latin1.body.code).toBe('INVALID_ENCODING');
    const invalid = await request(`${serve.url}/v1/datasets`, { method: 'POST', token, body: Buffer.from('{"name":"caf\u00e9s"}', 'latin1'), headers: { 'content-type': 'application/json' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toContain('byte offset 12');
  });
});

describe('8. error bodies name no server path', () => {
  it('names the uploaded CSV by its name when a line is over 64 MiB', async () => {
    const id = await createDataset('long-line');
    const { signedWriteUrl } = (await request(`${serve.url}/v1/datasets/${id}/embeddings/writeCSVUrl?name=default`, { token })).body;
    const put = await request(signedWriteUrl, { method: 'PUT', body: Buffer.concat([Buffer.from('filenames,embedding_0,labels\r\n'), Buffer.alloc(65 << 20, 0x61)]) });
    expect(put.status).toBe(400);
    expect(put.body.location.file).toBe('default.csv');
    expect(JSON.stringify(put.body)).not.toContain(home);
    expect(JSON.stringify(put.body)).not.toContain('.upload-');
  });
});

describe('9. headers, host, file modes and failed authentications', () => {
  it('sends the security headers on API answers, errors and the web app', async () => {
    for (const [url, auth] of [[`${serve.url}/v1/datasets`, token], [`${serve.url}/v1/datasets`, undefined], [`${serve.url}/nope`, token], [`${serve.url}/`, undefined]] as const) {
      const answer = await request(url, { token: auth });
      expect(answer.headers.get('content-security-policy'), url).toContain("frame-ancestors 'none'");
      expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('builds signed URLs from the listen address, never the Host header, and from --public-url when set', async () => {
    const id = await createDataset('host');
    const signed = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${serve.url}/v1/datasets/${id}/embeddings/writeCSVUrl?name=default`, { headers: { host: 'evil.example', authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(JSON.parse(text).signedWriteUrl));
      });
      req.on('error', reject);
      req.end();
    });
    expect(signed.startsWith(`${serve.url}/`)).toBe(true);
    const publicHome = await mkdtemp(path.join(tmpdir(), 'winnow-security-public-'));
    const publicToken = await tokenFor(publicHome);
    const proxied = await startServe(publicHome, ['--public-url', 'https://winnow.example.com']);
    try {
      const dataset = (await request(`${proxied.url}/v1/datasets`, { method: 'POST', token: publicToken, body: { name: 'proxied' } })).body.id;
      const url = (await request(`${proxied.url}/v1/datasets/${dataset}/embeddings/writeCSVUrl?name=default`, { token: publicToken })).body.signedWriteUrl as string;
      expect(url.startsWith('https://winnow.example.com/v1/')).toBe(true);
    } finally {
      await proxied.stop();
      await rm(publicHome, { recursive: true, force: true });
    }
  });

  it('keeps the home folder 0700 and the database files 0600', async () => {
    expect((await stat(home)).mode & 0o777).toBe(0o700);
    for (const file of ['winnow.db', 'winnow.db-wal', 'winnow.db-shm', 'secret.key']) {
      const full = path.join(home, file);
      if (file === 'secret.key' && !existsSync(full)) continue;
      expect((await stat(full)).mode & 0o777, file).toBe(0o600);
    }
  });

  it('answers 429 with Retry-After after 30 failed authentications from one address, even to a valid token', async () => {
    const limitedHome = await mkdtemp(path.join(tmpdir(), 'winnow-security-limit-'));
    const limitedToken = await tokenFor(limitedHome);
    const limited = await startServe(limitedHome);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) statuses.push((await request(`${limited.url}/v1/datasets`, { token: `wnw_guess${i}` })).status);
      expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
      const blocked = await request(`${limited.url}/v1/datasets`, { token: limitedToken });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      // Signing in to the web app with a token is an authentication too.
      const signIn = await request(`${limited.url}/v1/session`, { method: 'POST', body: { token: limitedToken } });
      expect(signIn.status).toBe(429);
      // Public routes without credentials still answer (health checks of a load balancer).
      expect((await request(`${limited.url}/health`)).status).toBe(200);
    } finally {
      await limited.stop();
      await rm(limitedHome, { recursive: true, force: true });
    }
  });
});
