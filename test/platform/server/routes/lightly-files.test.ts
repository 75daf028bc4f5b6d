import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetStorageDir } from '../../../../src/platform/service/datasets';
import { signedLocalFileUrl } from '../../../../src/platform/service/local-datasources';
import { createApiToken } from '../../../../src/platform/service/tokens';
import { jpegWithExif } from '../../../s3/image-fixtures';
import { call, startServer, tempHome, type RunningServer } from '../../helpers';

// Bad input on the routes Lightly's client uses for image files and LOCAL datasources: what is refused, and that a
// refused request leaves nothing behind. The happy paths run with the real client in lightly-client/.
describe('platform server: Lightly image URLs and LOCAL datasources refuse bad input', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let home: string;
  let datasetId: string;
  let sampleId: string;
  const previousRoot = process.env.WINNOW_LOCAL_DATASOURCE_ROOT;

  beforeAll(async () => {
    ({ home, cleanup } = await tempHome());
    const root = path.join(home, 'local-root');
    await mkdir(path.join(root, 'camera'), { recursive: true });
    await writeFile(path.join(root, 'camera', 'a.jpg'), await jpegWithExif(64, 48));
    await writeFile(path.join(home, 'outside.txt'), 'not for datasources');
    await symlink(home, path.join(root, 'escape'));
    await symlink(path.join(home, 'outside.txt'), path.join(root, 'camera', 'link.txt'));
    process.env.WINNOW_LOCAL_DATASOURCE_ROOT = root;
    server = await startServer(home);
    datasetId = (await call(server, 'POST', '/v1/datasets', { name: 'files' })).body.id;
    [{ id: sampleId }] = (await call(server, 'POST', `/v1/datasets/${datasetId}/samples/batch`, { samples: [{ fileName: 'a.jpg' }] })).body;
  });
  afterAll(async () => {
    if (previousRoot === undefined) delete process.env.WINNOW_LOCAL_DATASOURCE_ROOT;
    else process.env.WINNOW_LOCAL_DATASOURCE_ROOT = previousRoot;
    await server.close();
    await cleanup();
  });

  it('refuses bytes that are no image, keeps nothing, and stores a real one with its thumbnail', async () => {
    const { body: urls } = await call(server, 'GET', `/v1/datasets/${datasetId}/samples/${sampleId}/writeurls`);
    const bad = await fetch(urls.full, { method: 'PUT', body: 'this is not an image' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('INVALID_IMAGE');
    expect(await readdir(datasetStorageDir(home, datasetId)).catch(() => [])).toEqual([]);
    expect((await call(server, 'GET', `/v1/datasets/${datasetId}/samples/${sampleId}/readurl`)).status).toBe(404);

    expect((await fetch(urls.full, { method: 'PUT', body: await jpegWithExif(320, 240) })).status).toBe(200);
    expect((await readdir(datasetStorageDir(home, datasetId))).sort()).toEqual(['a.jpg', 'a_thumb.webp']);
    const { body: readUrl } = await call(server, 'GET', `/v1/datasets/${datasetId}/samples/${sampleId}/readurl?type=thumbnail`);
    const thumb = await fetch(readUrl);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
  });

  it('opens a signed URL only for its verb, kind and sample, unaltered and unexpired', async () => {
    const { body: urls } = await call(server, 'GET', `/v1/datasets/${datasetId}/samples/${sampleId}/writeurls`);
    expect((await fetch(urls.full)).status).toBe(401); // a PUT URL does not read
    expect((await fetch(urls.full.replace('/file/full', '/file/thumbnail'), { method: 'PUT', body: 'x' })).status).toBe(401);
    expect((await fetch(urls.full.replace(/signature=[^&]*/, 'signature=forged'), { method: 'PUT', body: 'x' })).status).toBe(401);
    expect((await fetch(urls.full.replace(/expires=\d+/, `expires=${Date.now() - 1000}`), { method: 'PUT', body: 'x' })).status).toBe(401);
    const { body: readUrl } = await call(server, 'GET', `/v1/datasets/${datasetId}/samples/${sampleId}/readurl`);
    expect((await fetch(readUrl)).status).toBe(200);
    expect((await fetch(readUrl, { method: 'PUT', body: 'x' })).status).toBe(401); // a read URL does not write
  });

  it("answers 404 for another user's dataset, on every Lightly route, and shares only by the owner", async () => {
    const { token } = await createApiToken(server.store, { user: 'mallory', name: 'other' });
    const other = { baseUrl: server.baseUrl, token };
    for (const route of ['readurl', 'writeurl', 'writeurls']) {
      expect((await call(other, 'GET', `/v1/datasets/${datasetId}/samples/${sampleId}/${route}`)).status).toBe(404);
    }
    expect((await call(other, 'GET', `/v1/datasets/${datasetId}/collaboration/access`)).status).toBe(404);
    expect((await call(other, 'POST', `/v1/datasets/${datasetId}/collaboration/access`, { accessType: 'WRITE', users: ['mallory'] })).status).toBe(404);
    const unknown = await call(server, 'POST', `/v1/datasets/${datasetId}/collaboration/access`, { accessType: 'WRITE', users: ['nobody@example.com'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('nobody@example.com');
    expect((await call(server, 'POST', `/v1/datasets/${datasetId}/collaboration/access`, { accessType: 'WRITE', users: ['mallory'] })).status).toBe(201);
    expect((await call(other, 'GET', `/v1/datasets/${datasetId}/samples/${sampleId}/readurl`)).status).toBe(200);
    // A user it is shared with may not share it on, nor delete it.
    expect((await call(other, 'POST', `/v1/datasets/${datasetId}/collaboration/access`, { accessType: 'WRITE', users: [] })).status).toBe(404);
    expect((await call(other, 'DELETE', `/v1/datasets/${datasetId}`)).status).toBe(404);
    expect((await call(server, 'POST', `/v1/datasets/${datasetId}/collaboration/access`, { accessType: 'WRITE', users: [] })).status).toBe(201);
    expect((await call(other, 'GET', `/v1/datasets/${datasetId}`)).status).toBe(404);
  });

  it('keeps LOCAL datasources inside the root: no "..", no absolute path, no symlink out, no file outside the folder', async () => {
    const set = (fullPath: string) => call(server, 'PUT', `/v1/datasets/${datasetId}/datasource`, { type: 'LOCAL', fullPath, purpose: 'INPUT' });
    for (const fullPath of ['../', '/etc/', 'camera/../../', 'file://camera/', 'escape/', 'missing/']) {
      const refused = await set(fullPath);
      expect(refused.status, fullPath).toBe(400);
      expect(JSON.stringify(refused.body)).not.toContain(home);
    }
    expect((await set('camera/')).status).toBe(200);
    const { body: listed } = await call(server, 'GET', `/v1/datasets/${datasetId}/datasource/list?purpose=INPUT`);
    // Symlinks are not listed; one signed all the same (as if listed) still does not read the file it points to.
    expect(listed.data.map((d: { fileName: string }) => d.fileName)).toEqual(['a.jpg']);
    const link = await fetch(signedLocalFileUrl(server.store, server.baseUrl, datasetId, 'link.txt'));
    expect(link.status).toBe(400);
    expect(await link.text()).not.toContain('not for datasources');
    const a = listed.data.find((d: { fileName: string }) => d.fileName === 'a.jpg');
    expect((await fetch(a.readUrl)).status).toBe(200);
    const escaped = new URL(a.readUrl);
    escaped.searchParams.set('fileName', '../../outside.txt');
    expect((await fetch(escaped)).status).toBe(401); // the signature covers the name
  });

  it('refuses datasource types Winnow does not read, naming the ones it does', async () => {
    const refused = await call(server, 'PUT', `/v1/datasets/${datasetId}/datasource`, { type: 'GCS', fullPath: 'gs://b/p/', gcsProjectId: 'p', gcsCredentials: '{}' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/"GCS" is not supported by Winnow: it reads S3 .* and LOCAL/);
  });
});
