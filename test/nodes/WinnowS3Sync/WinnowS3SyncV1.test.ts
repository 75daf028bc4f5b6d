import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NodeOperationError } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WinnowS3Sync } from '../../../nodes/WinnowS3Sync/WinnowS3Sync.node';
import { executeNode } from '../fake-context';
import { createBucketWith, minioCredentials } from '../s3-fixtures';

const node = new WinnowS3Sync().nodeVersions[1];

describe('Winnow S3 Sync V1', () => {
  let bucket: string;
  let work: string;

  beforeAll(async () => {
    bucket = await createBucketWith('n8n-sync', {
      'farm/cows/1.jpg': 'cow one',
      'farm/cows/2.jpg': 'cow two',
      'farm/sheep/1.png': 'sheep',
      'farm/notes.txt': 'not an image',
      'farm-old/3.jpg': 'outside the prefix',
    });
    work = await mkdtemp(path.join(tmpdir(), 'winnow-s3sync-'));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  const run = (parameters: Record<string, unknown>, continueOnFail = false) =>
    executeNode(node, {
      parameters: { authentication: 'winnowS3', options: {}, ...parameters },
      credentials: { winnowS3: minioCredentials() },
      continueOnFail,
    });

  it('mirrors the prefix as a folder, images only, and outputs counts paired to the input item', async () => {
    const localFolder = path.join(work, 'farm');
    const [item] = await run({ bucketName: bucket, prefix: 'farm', localFolder });
    expect(item.pairedItem).toEqual({ item: 0 });
    expect(item.json).toMatchObject({ s3Uri: `s3://${bucket}/farm`, localFolder, listed: 3, downloaded: 3, skipped: 0, failed: 0 });
    expect(await readFile(path.join(localFolder, 'cows', '2.jpg'), 'utf8')).toBe('cow two');
    expect((await readdir(localFolder)).sort()).toEqual(expect.arrayContaining(['cows', 'sheep']));
    expect(await readdir(localFolder)).not.toContain('notes.txt');
  });

  it('downloads nothing on a rerun: only new or changed objects move', async () => {
    const [item] = await run({ bucketName: bucket, prefix: 'farm', localFolder: path.join(work, 'farm') });
    expect(item.json).toMatchObject({ listed: 3, downloaded: 0, skipped: 3 });
  });

  it('applies include globs from the options', async () => {
    const [item] = await run({ bucketName: bucket, prefix: 'farm', localFolder: path.join(work, 'only-png'), options: { include: '*.png' } });
    expect(item.json).toMatchObject({ listed: 1, downloaded: 1 });
  });

  it("also syncs with n8n's built-in AWS credential (custom S3 endpoint, path style)", async () => {
    const minio = minioCredentials();
    const [item] = await executeNode(node, {
      parameters: { authentication: 'aws', bucketName: bucket, prefix: 'farm/sheep', localFolder: path.join(work, 'aws'), options: {} },
      credentials: {
        aws: {
          region: 'us-east-1',
          accessKeyId: minio.accessKeyId,
          secretAccessKey: minio.secretAccessKey,
          temporaryCredentials: false,
          customEndpoints: true,
          s3Endpoint: minio.endpoint,
        },
      },
    });
    expect(item.json).toMatchObject({ listed: 1, downloaded: 1 });
  });

  it('turns a missing bucket into an error item under Continue On Fail', async () => {
    const [item] = await run({ bucketName: `${bucket}-missing`, prefix: '', localFolder: path.join(work, 'x') }, true);
    expect(item.pairedItem).toEqual({ item: 0 });
    expect(String(item.json.error)).toMatch(/bucket/i);
  });

  it('throws a NodeOperationError naming the item without Continue On Fail, and never the secret', async () => {
    const error = await run({ bucketName: `${bucket}-missing`, prefix: '', localFolder: path.join(work, 'y') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect(String((error as Error).message)).not.toContain(String(minioCredentials().secretAccessKey));
  });
});
