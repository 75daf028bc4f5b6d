import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFolderSink, createS3Client, createS3Sink, listS3Objects, uploadForMode, type ImageSink, type S3Settings } from '../../src/s3';
import { jpegWithExif, pngWithAlpha } from './image-fixtures';
import { createBucket, dropBucket, sharedMinio, startListingProxy, uniqueBucket } from './minio-fixtures';

let s3: S3Settings;
let client: S3Client;
const source = uniqueBucket('modes-src');
const platform = uniqueBucket('modes-dst');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-modes-'));
const images = new Map<string, Buffer>();

/** A sink that fails the test if anything is handed to it. */
const forbiddenSink: ImageSink = {
  description: 'nowhere',
  put: async (name) => {
    throw new Error(`metadata mode tried to upload ${name}`);
  },
};

beforeAll(async () => {
  s3 = sharedMinio();
  client = createS3Client(s3);
  await createBucket(s3, source);
  await createBucket(s3, platform);
  images.set('cows/001.jpg', await jpegWithExif(640, 480));
  // Well above the 256 KB head that metadata mode reads.
  images.set('cows/big.png', await sharp(randomBytes(1200 * 1200 * 3), { raw: { width: 1200, height: 1200, channels: 3 } }).png().toBuffer());
  images.set('sheep/002.png', await pngWithAlpha(300, 900));
  for (const [key, body] of images) await client.send(new PutObjectCommand({ Bucket: source, Key: `farm/${key}`, Body: body }));
  await client.send(new PutObjectCommand({ Bucket: source, Key: 'farm/sheep/broken.jpg', Body: 'not a jpeg' }));
  await client.send(new PutObjectCommand({ Bucket: source, Key: 'farm/notes.txt', Body: 'ignored' }));
  for (const [key, body] of images) {
    mkdirSync(path.dirname(path.join(tmp, 'local', key)), { recursive: true });
    writeFileSync(path.join(tmp, 'local', key), body);
  }
});

afterAll(async () => {
  client?.destroy();
  await dropBucket(s3, source);
  await dropBucket(s3, platform);
  rmSync(tmp, { recursive: true, force: true });
});

describe('uploadForMode', () => {
  it('metadata: returns names, sizes, dimensions and EXIF, uploads nothing, and reads only object heads', async () => {
    const proxy = await startListingProxy(s3.endpoint!, []);
    try {
      const result = await uploadForMode({ mode: 'metadata', source: { s3: { ...s3, endpoint: proxy.endpoint }, uri: `s3://${source}/farm` }, sink: forbiddenSink });
      const byName = new Map(result.samples.map((s) => [s.fileName, s]));
      expect([...byName.keys()].sort()).toEqual(['cows/001.jpg', 'cows/big.png', 'sheep/002.png']);
      expect(byName.get('cows/001.jpg')).toMatchObject({ sizeInBytes: images.get('cows/001.jpg')!.length, width: 640, height: 480, format: 'jpeg', exif: { make: 'Winnow Cam', model: 'WC-1' } });
      expect(byName.get('cows/big.png')).toMatchObject({ sizeInBytes: images.get('cows/big.png')!.length, width: 1200, height: 1200 });
      expect(byName.get('sheep/002.png')?.thumbName).toBeUndefined();
      expect(result.failed).toEqual([{ key: 'sheep/broken.jpg', reason: expect.stringMatching(/^sheep\/broken\.jpg: not a readable image/) }]);
      expect(result.uploaded).toEqual({ images: 0, thumbnails: 0 });
      expect(result.bytes).toBe(0);
      // Plain JSON, no pixel buffers anywhere in the result.
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
      const total = [...images.values()].reduce((n, b) => n + b.length, 0);
      expect(images.get('cows/big.png')!.length).toBeGreaterThan(1_000_000);
      expect(proxy.stats.bytes).toBeLessThan(total / 2);
    } finally {
      await proxy.close();
    }
  });

  it('thumbnails: only `<name>_thumb.webp` files reach the platform folder', async () => {
    const storage = path.join(tmp, 'platform-storage');
    const result = await uploadForMode({ mode: 'thumbnails', source: { dir: path.join(tmp, 'local') }, sink: createFolderSink(storage), thumbnail: { size: 64 } });
    expect(result.failed).toEqual([]);
    expect(result.uploaded).toEqual({ images: 0, thumbnails: 3 });
    expect(result.samples.map((s) => s.thumbName).sort()).toEqual(['cows/001_thumb.webp', 'cows/big_thumb.webp', 'sheep/002_thumb.webp']);
    for (const s of result.samples) {
      const meta = await sharp(readFileSync(path.join(storage, s.thumbName!))).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width!, meta.height!)).toBe(64);
      expect(existsSync(path.join(storage, s.fileName))).toBe(false);
    }
  });

  it('full: originals byte-exact plus thumbnails go to the platform bucket', async () => {
    const sink = createS3Sink(s3, `s3://${platform}/datasets/7`);
    try {
      const result = await uploadForMode({ mode: 'full', source: { s3, uri: `s3://${source}/farm`, include: ['cows/**'] }, sink, thumbnail: { suffix: '.lightly/thumbnails/[filename]_thumb.[extension]' } });
      expect(result.failed).toEqual([]);
      expect(result.uploaded).toEqual({ images: 2, thumbnails: 2 });
      const keys: string[] = [];
      for await (const o of listS3Objects({ client, bucket: platform })) keys.push(o.key);
      expect(keys.sort()).toEqual([
        'datasets/7/cows/.lightly/thumbnails/001_thumb.webp',
        'datasets/7/cows/.lightly/thumbnails/big_thumb.webp',
        'datasets/7/cows/001.jpg',
        'datasets/7/cows/big.png',
      ]);
      const original = await client.send(new GetObjectCommand({ Bucket: platform, Key: 'datasets/7/cows/001.jpg' }));
      expect(Buffer.from(await original.Body!.transformToByteArray()).equals(images.get('cows/001.jpg')!)).toBe(true);
      expect(original.ContentType).toBe('image/jpeg');
    } finally {
      sink.close?.();
    }
  });

  it('refuses a mode without a sink, unknown modes and unsafe names in the folder sink', async () => {
    await expect(uploadForMode({ mode: 'full', source: { images: [] } })).rejects.toThrow(/needs a sink/);
    await expect(uploadForMode({ mode: 'everything' as 'full', source: { images: [] } })).rejects.toThrow(/unknown upload mode/);
    const result = await uploadForMode({
      mode: 'thumbnails',
      source: { images: [{ fileName: '../escape.jpg', data: images.get('cows/001.jpg') }] },
      sink: createFolderSink(path.join(tmp, 'safe')),
    });
    expect(result.failed[0].reason).toMatch(/refused to store "..\/escape_thumb.webp"/);
    expect(existsSync(path.join(tmp, 'escape_thumb.webp'))).toBe(false);
  });
});
