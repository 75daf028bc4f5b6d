import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedImages } from '../../src/embed';
import { measuresPathFor, readMeasuresBeside, readMeasuresFile } from '../../src/health';
import { sampleCreateRequests } from '../../src/platform';
import { embedStagedShard, pullStagedShards, RunStaging, stageImageList } from '../../src/pipeline/staging';
import { readImageMetadata } from '../../src/s3';
import { useBucketStore } from '../s3/bucket-store';
import { writeImages } from '../worker/image-fixtures';

// Every face that embeds stores the health measures of its embed pass: one code path (embedImages writes them beside
// the CSV), carried through S3 staging like the rows, and uploaded as the samples' metaData by the save step.

const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-shard-measures-'));
const minio = useBucketStore('shard-measures');

describe('measures in every embed pass', () => {
  it('embedImages writes them beside the CSV by default (CLI, n8n, winnow run shards), and not with measuresOut: false', { timeout: 120_000 }, async () => {
    const dir = path.join(tmp, 'plain');
    const names = await writeImages(dir, 5, { seed: 11 });
    const csv = path.join(tmp, 'plain-out', 'embeddings.csv');
    await embedImages({ inputDir: dir, outCsv: csv, batchSize: 2 });
    const measures = await readMeasuresFile(measuresPathFor(csv));
    expect([...measures.keys()].sort()).toEqual([...names].sort());
    expect(measures.get(names[0])).toMatchObject({ width: 64, height: 64, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await readMeasuresBeside([csv, path.join(tmp, 'none.csv')])).toEqual(measures);

    const bare = path.join(tmp, 'bare-out', 'embeddings.csv');
    await embedImages({ inputDir: dir, outCsv: bare, measuresOut: false });
    expect(existsSync(measuresPathFor(bare))).toBe(false);
  });

  it('a staged shard resumed on another host brings every image’s measures to the save host, and they become metaData', { timeout: 120_000 }, async () => {
    const src = path.join(tmp, 'staged-src');
    const names = await writeImages(src, 10, { seed: 5 });
    const { store } = minio;
    for (const name of names) await store.put(`imgs/${name}`, readFileSync(path.join(src, name)));
    const staging = new RunStaging(store, 'measures', 'ds', 'run-1');
    await stageImageList({ source: store, prefix: 'imgs/', staging, shardSize: 10 });
    const describeSamples = async (images: Array<{ fileName: string; path?: string }>) => Promise.all(images.map((image) => readImageMetadata(image.path!, image.fileName)));
    const common = { staging, source: store, sourcePrefix: 'imgs/', shard: { index: 0, count: 10 }, embed: { batchSize: 4 }, describeSamples };

    // Host A stops after its first batch; host B resumes from staging.
    const stop = new AbortController();
    await expect(embedStagedShard({ ...common, scratchDir: path.join(tmp, 'host-a'), onCheckpoint: () => stop.abort(new Error('host A went away')), signal: stop.signal })).rejects.toThrow();
    const second = await embedStagedShard({ ...common, scratchDir: path.join(tmp, 'host-b') });
    expect(second.resumedFrom).toBe(4);

    const csv = path.join(tmp, 'save', 'shard-000000.csv');
    const facts = await pullStagedShards({ staging, shardCount: 1, shardCsv: () => csv });
    const measures = await readMeasuresBeside([csv]);
    expect([...measures.keys()].sort()).toEqual([...names].sort());

    const [request] = sampleCreateRequests([names[0]], facts, measures);
    const m = measures.get(names[0])!;
    expect(request.metaData).toMatchObject({ sha256: m.sha256, sharpness: m.sharpness, luminance: expect.any(Number), width: 64, height: 64, sizeInBytes: facts.get(names[0])!.sizeInBytes });
  });
});
