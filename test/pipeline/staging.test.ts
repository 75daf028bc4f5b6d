import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEmbeddingRows } from '../../src/embeddings';
import { embedStagedShard, fetchImages, pullStagedShards, RunStaging, stageImageList } from '../../src/pipeline/staging';
import { readImageMetadata } from '../../src/s3';
import { writeImages } from '../worker/image-fixtures';
import { openObjectStore } from '../../src/s3';
import { useBucketStore } from '../s3/bucket-store';
import { sharedMinio } from '../s3/minio-fixtures';

// The S3 staging area of pipelines whose workers share no disk, against the shared MinIO.

const s3 = sharedMinio();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-staging-unit-'));
const minio = useBucketStore('staging-unit');
const { bucket } = minio;

describe('object store', () => {
  it('round-trips small and multipart objects, and reports a missing key as absent', async () => {
    await minio.store.put('a/b.txt', 'hello');
    expect((await minio.store.get('a/b.txt'))?.toString()).toBe('hello');
    expect(await minio.store.get('a/none.txt')).toBeUndefined();
    expect(await minio.store.getToFile('a/none.txt', path.join(tmp, 'none.txt'))).toBe(false);
    expect(existsSync(path.join(tmp, 'none.txt'))).toBe(false);

    const big = path.join(tmp, 'big.bin');
    writeFileSync(big, randomBytes(17 * 1024 * 1024 + 17)); // above the single-PUT limit (16 MB): a multipart upload
    await minio.store.putFile('a/big.bin', big);
    expect(await minio.store.getToFile('a/big.bin', path.join(tmp, 'big-copy.bin'))).toBe(true);
    expect(readFileSync(path.join(tmp, 'big-copy.bin')).equals(readFileSync(big))).toBe(true);
  });

  it('refused credentials are a clear, non-retryable error that names no secret', async () => {
    const wrong = openObjectStore({ ...s3, secretAccessKey: 'not-the-secret-4711' }, bucket);
    try {
      const error = await wrong.put('x.txt', 'x').catch((e: unknown) => e as Error & { code?: string; retryable?: boolean });
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ code: 'S3_ACCESS_DENIED', retryable: false });
      expect((error as Error).message).toContain(`s3://${bucket}/x.txt`);
      expect((error as Error).message).not.toContain('not-the-secret-4711');
      expect((error as Error).message).not.toContain(s3.accessKeyId!);
    } finally {
      wrong.close();
    }
  });
});

describe('stageImageList', () => {
  it('writes one name list per shard and the class folders; skips non-images, hidden folders and known names', async () => {
    const names = ['cats/1.jpg', 'cats/2.png', 'dogs/3.jpg', 'loose.webp', 'notes.txt', '.cache/4.jpg', 'dogs/.x/5.jpg', 'birds/6.jpeg'];
    for (const name of names) await minio.store.put(`lake/photos/${name}`, 'x');
    const staging = new RunStaging(minio.store, 'staging', 'farm animals', 'winnow-farm-1');
    const listed = await stageImageList({ source: minio.store, prefix: 'lake/photos', staging, shardSize: 2, known: new Set(['cats/2.png']) });
    expect(listed).toEqual({ images: 5, toEmbed: 4, shards: 2, classes: ['birds', 'cats', 'dogs'] });
    expect(staging.shardListKey(0)).toBe('staging/farm_animals/runs/winnow-farm-1/lists/shard-000000.txt');
    expect(await staging.getList(staging.shardListKey(0))).toEqual(['birds/6.jpeg', 'cats/1.jpg']);
    expect(await staging.getList(staging.shardListKey(1))).toEqual(['dogs/3.jpg', 'loose.webp']);
    expect(await staging.getList(staging.classesKey)).toEqual(['birds', 'cats', 'dogs']);
  });

  it('a list that was never written is an error that says what to redo, not an empty shard', async () => {
    const staging = new RunStaging(minio.store, '', 'farm', 'never-synced');
    await expect(staging.getList(staging.shardListKey(0))).rejects.toMatchObject({ code: 'STAGING_MISSING', message: expect.stringContaining('run the sync step again') });
  });
});

describe('shard CSV parts', () => {
  it('a pull on another machine rebuilds exactly the uploaded bytes; rows flushed but not pushed do not count', async () => {
    const staging = new RunStaging(minio.store, 'parts', 'ds', 'run-1');
    const local = path.join(tmp, 'host-a', 'shard-000000.csv');
    mkdirSync(path.dirname(local));
    writeFileSync(local, 'filenames,embedding_0,labels\r\na.jpg,0.5,0\r\n');
    let offset = await staging.pushShardGrowth(0, local, 0);
    await appendFile(local, 'b.jpg,0.25,1\r\n');
    offset = await staging.pushShardGrowth(0, local, offset);
    expect(await staging.pushShardGrowth(0, local, offset)).toBe(offset); // nothing new: no empty part
    await appendFile(local, 'c.jpg,0.125,1\r\n'); // flushed, then the worker died before pushing

    const elsewhere = path.join(tmp, 'host-b', 'shard-000000.csv');
    expect(await staging.pullShard(0, elsewhere)).toBe(offset);
    expect(readFileSync(elsewhere, 'utf8')).toBe('filenames,embedding_0,labels\r\na.jpg,0.5,0\r\nb.jpg,0.25,1\r\n');
    // The same host pulls too: staging, not its own longer file, is the truth.
    expect(await staging.pullShard(0, local)).toBe(offset);
    expect(readFileSync(local, 'utf8')).toBe(readFileSync(elsewhere, 'utf8'));
  });

  it('ignores a part after a gap, and a shard without parts leaves no local file', async () => {
    const staging = new RunStaging(minio.store, 'parts', 'ds', 'run-2');
    const local = path.join(tmp, 'gap', 'shard.csv');
    mkdirSync(path.dirname(local));
    writeFileSync(local, 'filenames,embedding_0,labels\r\n');
    const offset = await staging.pushShardGrowth(1, local, 0);
    await minio.store.put(`${staging.shardPartsPrefix(1)}${String(offset + 10).padStart(16, '0')}`, 'z.jpg,1,0\r\n');
    expect(await staging.pullShard(1, local)).toBe(offset);
    expect(readFileSync(local, 'utf8')).toBe('filenames,embedding_0,labels\r\n');

    expect(await staging.pullShard(2, local)).toBe(0);
    expect(existsSync(local)).toBe(false);
  });
});

describe('fetchImages', () => {
  it('fetches named objects, keeps files already there, reports missing objects and refuses names that leave the folder', async () => {
    await minio.store.put('src/cats/1.jpg', 'one');
    await minio.store.put('src/dogs/2.jpg', 'two');
    const target = path.join(tmp, 'fetch');
    const first = await fetchImages({ source: minio.store, prefix: 'src', names: ['cats/1.jpg', 'dogs/2.jpg', 'gone.jpg', '../escape.jpg'], targetDir: target });
    expect(first).toEqual({ fetched: 2, present: 0, missing: ['gone.jpg'], refused: ['../escape.jpg'] });
    expect(readFileSync(path.join(target, 'dogs', '2.jpg'), 'utf8')).toBe('two');
    expect(existsSync(path.join(tmp, 'escape.jpg'))).toBe(false);
    const again = await fetchImages({ source: minio.store, prefix: 'src', names: ['cats/1.jpg', 'dogs/2.jpg'], targetDir: target });
    expect(again).toMatchObject({ fetched: 0, present: 2 });
  });
});

describe('embedStagedShard', () => {
  it('a shard stopped after its first batch on one host is finished on another from the parts, embedding the rest only', { timeout: 120_000 }, async () => {
    const names = await writeImages(path.join(tmp, 'shard-src'), 12, { seed: 3 });
    for (const name of names) await minio.store.put(`imgs/${name}`, readFileSync(path.join(tmp, 'shard-src', name)));
    const staging = new RunStaging(minio.store, 'embed', 'ds', 'run-embed');
    expect(await stageImageList({ source: minio.store, prefix: 'imgs/', staging, shardSize: 12 })).toMatchObject({ images: 12, shards: 1 });
    const describeSamples = async (images: Array<{ fileName: string; path?: string }>) =>
      Promise.all(images.map((image) => readImageMetadata(image.path!, image.fileName)));
    const common = { staging, source: minio.store, sourcePrefix: 'imgs/', shard: { index: 0, count: 12 }, embed: { batchSize: 4 }, describeSamples };

    // Host A: killed (here: aborted) once its first batch is in staging.
    const stop = new AbortController();
    const hostA = path.join(tmp, 'embed-host-a');
    const first = embedStagedShard({ ...common, scratchDir: hostA, onCheckpoint: () => stop.abort(new Error('host A went away')), signal: stop.signal });
    await expect(first).rejects.toThrow();
    expect(readdirSync(hostA)).toEqual([]); // scratch cleaned even on failure

    // Host B: nothing on its disk; it resumes from the 4 rows in staging and embeds the other 8.
    const checkpoints: number[] = [];
    const second = await embedStagedShard({ ...common, scratchDir: path.join(tmp, 'embed-host-b'), onCheckpoint: (n) => checkpoints.push(n) });
    expect(second.resumedFrom).toBe(4);
    expect(second.embed).toMatchObject({ alreadyPresent: 4, embedded: 8, skipped: [] });
    expect(checkpoints.at(-1)).toBe(12);
    expect(second.csvUri).toBe(`s3://${bucket}/embed/ds/runs/run-embed/shards/shard-000000/`);

    // The save host gets one row per image and every image's facts.
    const csv = path.join(tmp, 'embed-save', 'shard.csv');
    const facts = await pullStagedShards({ staging, shardCount: 1, shardCsv: () => csv });
    const rows: string[] = [];
    for await (const row of readEmbeddingRows(csv)) rows.push(row.fileName);
    expect(rows.sort()).toEqual([...names].sort());
    expect([...facts.keys()].sort()).toEqual([...names].sort());
    expect(facts.get(names[0])).toMatchObject({ width: 64, height: 64 });
  });
});
