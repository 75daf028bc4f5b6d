import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/platform/client/http-client';
import { redactUrl } from '../../src/platform/server/create-server';
import { JobRunner, startSelection } from '../../src/platform/service/selection';
import { createApiToken, ensureUser, revokeApiToken } from '../../src/platform/service/tokens';
import { call, embeddingsCsv, startServer, tempHome, type RunningServer } from './helpers';

const NAMES = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg'];

describe('platform server', () => {
  let server: RunningServer;
  let home: string;
  let cleanup: () => Promise<void>;
  let datasetId: string;

  beforeAll(async () => {
    ({ home, cleanup } = await tempHome());
    server = await startServer(home);
    datasetId = (await call(server, 'POST', '/v1/datasets', { name: 'server-suite' })).body.id;
    await call(server, 'POST', `/v1/datasets/${datasetId}/samples/batch`, { samples: NAMES.map((fileName) => ({ fileName })) });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  describe('auth', () => {
    it('answers 401 without a token, with a wrong one and with a revoked one, never echoing it', async () => {
      const none = await call({ baseUrl: server.baseUrl }, 'GET', '/v1/datasets');
      expect(none).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
      const wrong = await call({ baseUrl: server.baseUrl, token: 'wnw_not-a-real-token-123' }, 'GET', '/v1/datasets');
      expect(wrong.status).toBe(401);
      expect(JSON.stringify(wrong.body)).not.toContain('not-a-real-token');
      const viaQuery = await call({ baseUrl: server.baseUrl }, 'GET', '/v1/datasets?token=wnw_secret-in-query');
      expect(viaQuery.status).toBe(401);
      expect(JSON.stringify(viaQuery.body)).not.toContain('secret-in-query');
      const { token, info } = await createApiToken(server.store, { name: 'short-lived' });
      expect((await call({ baseUrl: server.baseUrl, token }, 'GET', '/v1/datasets')).status).toBe(200);
      await revokeApiToken(server.store, info.id);
      expect((await call({ baseUrl: server.baseUrl, token }, 'GET', '/v1/datasets')).status).toBe(401);
    });

    it('accepts the token as ?token= (Lightly) and as a Bearer header', async () => {
      const q = await call({ baseUrl: server.baseUrl }, 'GET', `/v1/datasets/${datasetId}?token=${server.token}`);
      expect(q).toMatchObject({ status: 200, body: { id: datasetId, nSamples: 5 } });
      const b = await call(server, 'GET', `/v1/datasets/${datasetId}`);
      expect(b.body).toEqual(q.body);
    });

    it("answers 404 for another user's dataset, tags and samples", async () => {
      const other = { baseUrl: server.baseUrl, token: (await createApiToken(server.store, { user: 'mallory' })).token };
      for (const path of [`/v1/datasets/${datasetId}`, `/v1/datasets/${datasetId}/tags`, `/v1/datasets/${datasetId}/mappings?field=fileName`]) {
        expect(await call(other, 'GET', path)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
      }
      expect((await call(other, 'DELETE', `/v1/datasets/${datasetId}`)).status).toBe(404);
      expect((await call(other, 'GET', '/v1/datasets')).body).toEqual([]);
      // Names are per user: mallory may have a dataset of the same name.
      expect((await call(other, 'POST', '/v1/datasets', { name: 'server-suite' })).status).toBe(201);
    });

    it('cuts tokens and signatures out of logged URLs', () => {
      expect(redactUrl('/v1/datasets?pageSize=2&token=wnw_abc&x=1')).toBe('/v1/datasets?pageSize=2&token=[redacted]&x=1');
      expect(redactUrl('/v1/datasets/d/embeddings/e/csv?expires=1&signature=s1g')).toBe('/v1/datasets/d/embeddings/e/csv?expires=1&signature=[redacted]');
    });

    it('leaves health and the OpenAPI document public', async () => {
      expect((await call({ baseUrl: server.baseUrl }, 'GET', '/health')).body).toEqual({ status: 'ok' });
      expect((await call({ baseUrl: server.baseUrl }, 'GET', '/openapi.json')).status).toBe(200);
    });
  });

  describe('malformed requests', () => {
    it('answers 400 for invalid JSON', async () => {
      const r = await call(server, 'POST', '/v1/datasets', '{"name": ');
      expect(r).toMatchObject({ status: 400, body: { code: 'INVALID_JSON' } });
    });

    it('answers 400 naming the field for a missing or mistyped field', async () => {
      const missing = await call(server, 'POST', '/v1/datasets', {});
      expect(missing).toMatchObject({ status: 400, body: { code: 'INVALID_INPUT', location: { file: 'body', column: 'name' } } });
      const nested = await call(server, 'POST', `/v1/datasets/${datasetId}/samples/batch`, { samples: [{ fileName: 'x.jpg' }, { fileName: 7 }] });
      expect(nested.status).toBe(400);
      expect(nested.body.error).toContain('samples[1].fileName');
      const query = await call(server, 'GET', `/v1/datasets?pageSize=lots`);
      expect(query.status).toBe(400);
      expect(query.body.error).toContain('pageSize');
      const enumValue = await call(server, 'POST', `/v1/datasets/${datasetId}/tags/arithmetics`, { tagId1: 'a', tagId2: 'b', operation: 'XOR' });
      expect(enumValue.status).toBe(400);
      expect(enumValue.body.error).toContain('operation');
    });

    it('answers 413 for a JSON body over the limit and 404 JSON for unknown routes', async () => {
      const big = await call(server, 'POST', '/v1/datasets', { name: 'big', padding: 'x'.repeat(2 * 1024 * 1024) });
      expect(big).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
      expect(await call(server, 'GET', '/v1/nothing-here')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    });
  });

  describe('Lightly endpoints', () => {
    it('serves mappings, partial samples, query by name and single-sample create', async () => {
      expect((await call(server, 'GET', `/v1/datasets/${datasetId}/mappings?field=fileName&pageSize=2&pageOffset=2`)).body).toEqual(['c.jpg', 'd.jpg']);
      const ids = (await call(server, 'GET', `/v1/datasets/${datasetId}/mappings?field=_id`)).body as string[];
      expect(ids).toHaveLength(5);
      const partial = await call(server, 'GET', `/v1/datasets/${datasetId}/samples/partial?mode=fileNames`);
      expect(partial.body.map((s: { fileName: string }) => s.fileName)).toEqual(NAMES);
      expect(partial.body[0]).toEqual({ id: ids[0], fileName: 'a.jpg' });
      expect((await call(server, 'GET', '/v1/datasets/query/name/server-suite?exact=true')).body).toHaveLength(1);
      const one = await call(server, 'POST', `/v1/datasets/${datasetId}/samples`, { fileName: 'a.jpg' });
      expect(one).toEqual({ status: 200, body: { id: ids[0] } });
      const single = await call(server, 'GET', `/v1/datasets/${datasetId}/samples?fileName=b.jpg`);
      expect(single.body).toHaveLength(1);
    });

    it('takes an embeddings CSV through writeCSVUrl and an unauthenticated PUT, and refuses a tampered URL', async () => {
      const { body: write } = await call(server, 'GET', `/v1/datasets/${datasetId}/embeddings/writeCSVUrl?name=default`);
      expect(write.signedWriteUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/datasets\/.+\/csv\?expires=\d+&signature=/);
      const csv = embeddingsCsv(NAMES, 6);
      const tampered = await fetch(write.signedWriteUrl.replace(/signature=[^&]*/, 'signature=tampered'), { method: 'PUT', body: csv });
      expect(tampered.status).toBe(401);
      const put = await fetch(write.signedWriteUrl, { method: 'PUT', body: csv, headers: { 'content-type': 'text/csv' } });
      expect(put.status).toBe(200);
      expect(await put.json()).toMatchObject({ id: write.embeddingId, isProcessed: true, rowCount: 5, dim: 6 });
      // Same name → same id; octet-stream works as well as text/csv.
      const { body: again } = await call(server, 'GET', `/v1/datasets/${datasetId}/embeddings/writeCSVUrl?name=default`);
      expect(again.embeddingId).toBe(write.embeddingId);
      const put2 = await fetch(again.signedWriteUrl, { method: 'PUT', body: Buffer.from(csv), headers: { 'content-type': 'application/octet-stream' } });
      expect(put2.status).toBe(200);
      const bad = await fetch(again.signedWriteUrl, { method: 'PUT', body: embeddingsCsv(['a.jpg', 'z.jpg'], 6) });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'INVALID_EMBEDDINGS', error: expect.stringContaining('z.jpg') });
      const map = await call(server, 'GET', `/v1/datasets/${datasetId}/embeddings/${write.embeddingId}/2d`);
      expect(map.body.fileNames).toEqual(NAMES);
      // What Lightly's client does next: ask for the 2-D job (a no-op here) and read the CSV back to merge.
      expect((await call(server, 'POST', `/v1/datasets/${datasetId}/embeddings/${write.embeddingId}/trigger2dEmbeddingsJob`, { dimensionalityReductionMethod: 'PCA' })).status).toBe(204);
      const { body: readUrl } = await call(server, 'GET', `/v1/datasets/${datasetId}/embeddings/${write.embeddingId}/readCSVUrl`);
      const download = await fetch(readUrl as string);
      expect(await download.text()).toBe(csv);
      expect((await fetch((readUrl as string).replace(/signature=[^&]*/, 'signature=tampered'))).status).toBe(401);
      // A PUT signature does not open a GET, nor the other way round.
      expect((await fetch(write.signedWriteUrl)).status).toBe(401);
    });

    it('exports a tag as plain text and as JSON, and answers the arithmetic bitmask endpoint', async () => {
      const created = await call(server, 'POST', `/v1/datasets/${datasetId}/tags/fromFilenames`, { name: 'b-d', fileNames: ['b.jpg', 'd.jpg'] });
      expect(created.status).toBe(201);
      const text = await fetch(`${server.baseUrl}/v1/datasets/${datasetId}/tags/${created.body.id}/export/basic/filenames?token=${server.token}`);
      expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await text.text()).toBe('b.jpg\nd.jpg');
      const initial = (await call(server, 'GET', `/v1/datasets/${datasetId}/tags`)).body.find((t: { name: string }) => t.name === 'initial-tag');
      const diff = await call(server, 'POST', `/v1/datasets/${datasetId}/tags/arithmetics/bitmask`, { tagId1: initial.id, tagId2: created.body.id, operation: 'DIFFERENCE' });
      expect(diff.body).toEqual({ bitMaskData: '0x15' });
      expect((await call(server, 'POST', `/v1/datasets/${datasetId}/tags/initial`, {})).body).toEqual({ id: initial.id });
      // The rest of Lightly's upload_dataset handshake.
      expect((await call(server, 'PUT', `/v1/datasets/${datasetId}/registerDatasetUpload`, { total: 5, processed: 0, isRegistered: true })).status).toBe(200);
      expect(Number((await call(server, 'GET', '/v1/quota')).body)).toBeGreaterThan(1e6);
      const upsized = await call(server, 'POST', `/v1/datasets/${datasetId}/tags/upsize`, { upsizeTagName: '20261126_12h00m00s', upsizeTagCreator: 'USER_PIP' });
      expect(upsized.status).toBe(201);
      expect((await call(server, 'GET', `/v1/datasets/${datasetId}/tags/${upsized.body.id}`)).body).toMatchObject({ bitMaskData: '0x1f', prevTagId: initial.id });
    });

    it("manages the caller's own API tokens", async () => {
      const created = await call(server, 'POST', '/v1/tokens', { name: 'ci' });
      expect(created.status).toBe(201);
      expect(created.body.token).toMatch(/^wnw_/);
      const listed = (await call(server, 'GET', '/v1/tokens')).body as { id: string; name: string }[];
      expect(listed.map((t) => t.name)).toContain('ci');
      expect(JSON.stringify(listed)).not.toContain(created.body.token);
      const revoked = await call(server, 'DELETE', `/v1/tokens/${created.body.info.id}`);
      expect(revoked.body.revokedAt).toEqual(expect.any(Number));
      expect((await call({ baseUrl: server.baseUrl, token: created.body.token }, 'GET', '/v1/datasets')).status).toBe(401);
    });
  });

  describe('OpenAPI', () => {
    it('documents the routes from the same schemas that validate them', async () => {
      const { body: doc } = await call({ baseUrl: server.baseUrl }, 'GET', '/openapi.json');
      expect(doc.openapi).toBe('3.0.3');
      for (const path of [
        '/v1/datasets',
        '/v1/datasets/{datasetId}/samples',
        '/v1/datasets/{datasetId}/mappings',
        '/v1/datasets/{datasetId}/embeddings/writeCSVUrl',
        '/v1/datasets/{datasetId}/embeddings/{embeddingId}/sampling',
        '/v1/datasets/{datasetId}/tags/arithmetics',
        '/v1/datasets/{datasetId}/datasource/verify',
        '/v1/jobs/{jobId}',
      ]) {
        expect(doc.paths[path], path).toBeDefined();
      }
      const schema = doc.paths['/v1/datasets'].post.requestBody.content['application/json'].schema;
      expect(schema.properties.name).toMatchObject({ type: 'string', minLength: 3 });
      expect(schema.required).toContain('name');
      expect(doc.components.securitySchemes.ApiKeyAuth).toEqual({ type: 'apiKey', in: 'query', name: 'token' });
    });
  });
});

describe('platform server: retries and restarts', () => {
  it('does not duplicate datasets or samples when a response is lost and the client retries', async () => {
    const { home, cleanup } = await tempHome();
    const server = await startServer(home);
    // A proxy that forwards every request but drops the connection instead of the first answer to each POST.
    const dropped = new Set<string>();
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const target = new URL(server.baseUrl);
        const upstream = httpRequest(
          { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            const key = `${req.method} ${req.url}`;
            if (req.method === 'POST' && !dropped.has(key)) {
              dropped.add(key);
              answer.resume();
              answer.on('end', () => res.socket?.destroy());
              return;
            }
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const client = createHttpClient({ baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, token: server.token, retryBaseDelayMs: 5 });
      const dataset = await client.createDataset('flaky');
      const samples = await client.createSamples(dataset.id, NAMES.map((fileName) => ({ fileName })));
      expect(samples.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
      const tag = await client.createTagFromFilenames(dataset.id, 'flaky-tag', ['a.jpg']);
      expect(tag.bitMaskData).toBe('0x1');
      expect(dropped.size).toBe(3);
      expect((await client.getDatasets()).filter((d) => d.name === 'flaky')).toHaveLength(1);
      expect(await client.getFilenames(dataset.id)).toEqual(NAMES);
      expect((await client.getAllTags(dataset.id)).map((t) => t.name)).toEqual(['initial-tag', 'flaky-tag']);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
      await server.close();
      await cleanup();
    }
  });

  it('loses nothing across a restart and resumes a job left waiting', async () => {
    const { home, cleanup } = await tempHome();
    let server = await startServer(home);
    const token = server.token;
    const first = createHttpClient({ baseUrl: server.baseUrl, token });
    const dataset = await first.createDataset('durable');
    await first.createSamples(dataset.id, NAMES.map((fileName) => ({ fileName, customMetaData: { n: 1 } })));
    const { writeFile } = await import('node:fs/promises');
    const csv = `${home}/e.csv`;
    await writeFile(csv, embeddingsCsv(NAMES, 4));
    const embedding = await first.uploadEmbeddings(dataset.id, csv, 'default');
    await first.createTagFromFilenames(dataset.id, 'kept', ['c.jpg']);
    // A job queued by a process that stopped before running it: a closed runner ignores the enqueue.
    const stopped = new JobRunner(server.store);
    await stopped.close();
    const userId = await ensureUser(server.store, 'local');
    const { jobId } = await startSelection({ store: server.store, userId }, stopped, dataset.id, embedding.id, {
      newTagName: 'after-restart',
      method: 'RANDOM',
      config: { stoppingCondition: { nSamples: 2 } },
    });
    expect((await first.getJob(jobId)).status).toBe('WAITING');
    // And one whose process died while running it: RUNNING, but its heartbeat stopped over a minute ago.
    const { jobId: orphan } = await startSelection({ store: server.store, userId }, stopped, dataset.id, embedding.id, {
      newTagName: 'orphaned',
      method: 'CORESET',
      config: { stoppingCondition: { nSamples: 3 } },
    });
    await server.store.db.updateTable('jobs').set({ status: 'RUNNING', last_modified_at: Date.now() - 120_000 }).where('id', '=', orphan).execute();
    await server.close();

    server = await startServer(home);
    try {
      const second = createHttpClient({ baseUrl: server.baseUrl, token });
      expect((await second.getDatasetById(dataset.id)).nSamples).toBe(5);
      expect(await second.getFilenames(dataset.id)).toEqual(NAMES);
      expect(await second.exportFilenamesByTagName(dataset.id, 'kept')).toEqual(['c.jpg']);
      expect((await second.getEmbeddings2d(dataset.id, embedding.id)).fileNames).toEqual(NAMES);
      const job = await second.waitForJob(jobId, { pollIntervalMs: 20 });
      expect(job.status).toBe('FINISHED');
      expect(await second.exportFilenamesByTagName(dataset.id, 'after-restart')).toHaveLength(2);
      expect((await second.waitForJob(orphan, { pollIntervalMs: 20 })).status).toBe('FINISHED');
      expect(await second.exportFilenamesByTagName(dataset.id, 'orphaned')).toHaveLength(3);
    } finally {
      await server.close();
      await cleanup();
    }
  });
});

describe('platform server: S3 datasource (MinIO)', () => {
  const endpoint = process.env.WINNOW_S3_ENDPOINT as string;
  const accessKeyId = process.env.WINNOW_S3_ACCESS_KEY_ID as string;
  const secretAccessKey = process.env.WINNOW_S3_SECRET_ACCESS_KEY as string;
  const bucket = `winnow-platform-${Date.now().toString(36)}`;
  let server: RunningServer;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const name of ['a.jpg', 'b.jpg', 'c.jpg', 'a_thumb.webp']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `farm/${name}`, Body: `bytes of ${name}` }));
    }
    s3.destroy();
    const t = await tempHome();
    cleanup = t.cleanup;
    server = await startServer(t.home);
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('stores the secret encrypted and write-only, verifies, lists with read URLs and redirects to images', async () => {
    const id = (await call(server, 'POST', '/v1/datasets', { name: 'farm' })).body.id;
    const config = {
      type: 'S3',
      fullPath: `s3://${bucket}/farm/`,
      s3Region: 'us-east-1',
      s3AccessKeyId: accessKeyId,
      s3SecretAccessKey: secretAccessKey,
      s3Endpoint: endpoint,
      purpose: 'INPUT_OUTPUT',
    };
    const put = await call(server, 'PUT', `/v1/datasets/${id}/datasource`, config);
    expect(put.status).toBe(200);
    expect(JSON.stringify(put.body)).not.toContain(secretAccessKey);
    const got = await call(server, 'GET', `/v1/datasets/${id}/datasource`);
    expect(got.body).toMatchObject({ type: 'S3', fullPath: config.fullPath, s3AccessKeyId: accessKeyId });
    // Lightly's client requires the field: a fixed placeholder, never the secret.
    expect(got.body.s3SecretAccessKey).toBe('********');
    const raw = await server.store.db.selectFrom('datasources').selectAll().execute();
    expect(JSON.stringify(raw)).not.toContain(secretAccessKey);

    const verify = await call(server, 'GET', `/v1/datasets/${id}/datasource/verify`);
    expect(verify.body).toMatchObject({ canList: true, canRead: true, canWrite: true, canOverwrite: true });

    const page1 = await call(server, 'GET', `/v1/datasets/${id}/datasource/list?pageSize=2`);
    expect(page1.body.hasMore).toBe(true);
    expect(page1.body.data.map((d: { fileName: string }) => d.fileName)).toEqual(['a.jpg', 'a_thumb.webp']);
    const page2 = await call(server, 'GET', `/v1/datasets/${id}/datasource/list?pageSize=2&cursor=${page1.body.cursor}`);
    expect(page2.body.hasMore).toBe(false);
    expect(page2.body.data.map((d: { fileName: string }) => d.fileName)).toEqual(['b.jpg', 'c.jpg']);
    expect(await (await fetch(page2.body.data[0].readUrl)).text()).toBe('bytes of b.jpg');

    const [sample] = (await call(server, 'POST', `/v1/datasets/${id}/samples/batch`, { samples: [{ fileName: 'a.jpg', thumbName: 'a_thumb.webp' }] })).body;
    const redirect = await fetch(`${server.baseUrl}/v1/datasets/${id}/samples/${sample.id}/readurlRedirect?type=thumbnail&token=${server.token}`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(await (await fetch(redirect.headers.get('location') as string)).text()).toBe('bytes of a_thumb.webp');

    // An uploaded embeddings CSV is also copied to the output datasource, where Lightly keeps its outputs.
    const { body: write } = await call(server, 'GET', `/v1/datasets/${id}/embeddings/writeCSVUrl?name=default`);
    const csv = embeddingsCsv(['a.jpg'], 4);
    expect((await fetch(write.signedWriteUrl, { method: 'PUT', body: csv })).status).toBe(200);
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    const mirrored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'farm/.lightly/embeddings/default.csv' }));
    expect(await mirrored.Body?.transformToString()).toBe(csv);
    s3.destroy();

    const listed = await call(server, 'GET', `/v1/datasets/${id}/datasource/list`);
    expect(listed.body.data.map((d: { fileName: string }) => d.fileName)).toEqual(['a.jpg', 'a_thumb.webp', 'b.jpg', 'c.jpg']);

    // Updating other fields keeps the stored secret.
    const { s3SecretAccessKey: _omit, ...withoutSecret } = config;
    expect((await call(server, 'PUT', `/v1/datasets/${id}/datasource`, { ...withoutSecret, thumbSuffix: '[filename]_thumb.webp' })).status).toBe(200);
    expect((await call(server, 'GET', `/v1/datasets/${id}/datasource/verify`)).body.canRead).toBe(true);
    // A config read back (with the placeholder) and written again keeps the secret too.
    expect((await call(server, 'PUT', `/v1/datasets/${id}/datasource`, (await call(server, 'GET', `/v1/datasets/${id}/datasource`)).body)).status).toBe(200);
    expect((await call(server, 'GET', `/v1/datasets/${id}/datasource/verify`)).body.canRead).toBe(true);

    const wrong = await call(server, 'PUT', `/v1/datasets/${id}/datasource`, { ...config, s3SecretAccessKey: 'definitely-wrong-secret' });
    expect(wrong.status).toBe(200);
    const red = await call(server, 'GET', `/v1/datasets/${id}/datasource/verify`);
    expect(red.body).toMatchObject({ canList: false, canRead: false });
    expect(JSON.stringify(red.body)).not.toContain('definitely-wrong-secret');
  });
});
