import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetStorageDir } from '../../../../src/platform/service/datasets';
import { call, startServer, tempHome, type RunningServer } from '../../helpers';

// `GET …/samples/{id}/image`: the web app's <img> source. Stored files are streamed, the rest is redirected to the S3
// datasource (MinIO from scripts/services.sh), and the token also works as ?token= because <img> sends no header.
describe('platform server: sample images for the web app', () => {
  const endpoint = process.env.WINNOW_S3_ENDPOINT as string;
  const accessKeyId = process.env.WINNOW_S3_ACCESS_KEY_ID as string;
  const secretAccessKey = process.env.WINNOW_S3_SECRET_ACCESS_KEY as string;
  const bucket = `winnow-images-${Date.now().toString(36)}`;
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let home: string;

  beforeAll(async () => {
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'farm/cow.jpg', Body: 'full bytes of cow', ContentType: 'image/jpeg' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'farm/cow_thumb.webp', Body: 'thumb bytes of cow', ContentType: 'image/webp' }));
    s3.destroy();
    const t = await tempHome();
    ({ home, cleanup } = t);
    server = await startServer(home);
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  async function sampleIn(datasetName: string, samples: { fileName: string; thumbName?: string }[]) {
    const id = (await call(server, 'POST', '/v1/datasets', { name: datasetName })).body.id as string;
    const created = (await call(server, 'POST', `/v1/datasets/${id}/samples/batch`, { samples })).body as { id: string }[];
    return { id, sampleIds: created.map((s) => s.id) };
  }

  it('streams images the platform stored, thumbnail falling back to the full image, with ?token=', async () => {
    const { id, sampleIds } = await sampleIn('local', [
      { fileName: 'dir/a.jpg', thumbName: 'dir/a_thumb.webp' },
      { fileName: 'b.png' },
    ]);
    const storage = datasetStorageDir(home, id);
    await mkdir(path.join(storage, 'dir'), { recursive: true });
    await writeFile(path.join(storage, 'dir', 'a.jpg'), 'full a');
    await writeFile(path.join(storage, 'dir', 'a_thumb.webp'), 'thumb a');
    await writeFile(path.join(storage, 'b.png'), 'full b');

    const thumb = await fetch(`${server.baseUrl}/v1/datasets/${id}/samples/${sampleIds[0]}/image?type=thumbnail&token=${server.token}`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(await thumb.text()).toBe('thumb a');
    const full = await fetch(`${server.baseUrl}/v1/datasets/${id}/samples/${sampleIds[0]}/image?token=${server.token}`);
    expect(await full.text()).toBe('full a');
    // No thumbnail stored for b.png: the full image stands in.
    const fallback = await fetch(`${server.baseUrl}/v1/datasets/${id}/samples/${sampleIds[1]}/image?type=thumbnail&token=${server.token}`);
    expect(fallback.headers.get('content-type')).toBe('image/png');
    expect(await fallback.text()).toBe('full b');

    expect((await fetch(`${server.baseUrl}/v1/datasets/${id}/samples/${sampleIds[0]}/image`)).status).toBe(401);
    const none = await call(server, 'GET', `/v1/datasets/${id}/samples/nope/image`);
    expect(none.status).toBe(404);
  });

  it('redirects to a presigned URL of the S3 datasource when the platform stored nothing', async () => {
    const { id, sampleIds } = await sampleIn('farm', [{ fileName: 'cow.jpg', thumbName: 'cow_thumb.webp' }, { fileName: 'ghost.jpg' }]);
    const noSource = await call(server, 'GET', `/v1/datasets/${id}/samples/${sampleIds[0]}/image`);
    expect(noSource.status).toBe(404);

    const put = await call(server, 'PUT', `/v1/datasets/${id}/datasource`, {
      type: 'S3',
      fullPath: `s3://${bucket}/farm/`,
      s3Region: 'us-east-1',
      s3AccessKeyId: accessKeyId,
      s3SecretAccessKey: secretAccessKey,
      s3Endpoint: endpoint,
      purpose: 'INPUT_OUTPUT',
    });
    expect(put.status).toBe(200);
    const url = `${server.baseUrl}/v1/datasets/${id}/samples/${sampleIds[0]}/image?type=thumbnail&token=${server.token}`;
    const redirect = await fetch(url, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location') as string;
    expect(location).toContain('X-Amz-Signature=');
    expect(location).not.toContain(secretAccessKey);
    expect(await (await fetch(location)).text()).toBe('thumb bytes of cow');
    expect(await (await fetch(url.replace('type=thumbnail', 'type=full'))).text()).toBe('full bytes of cow');
  });
});
