import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformClient } from '../../src/platform/client/platform-client';
import { toLightlyMetaData, type ImageMeasures } from '../../src/health';
import { call, dialects, embeddingsCsv, startDatasetServer, type DatasetServer } from './helpers';

const NAMES = Array.from({ length: 20 }, (_, i) => `img_${String(i).padStart(2, '0')}.jpg`);

function measures(fileName: string, over: Partial<ImageMeasures> = {}): ImageMeasures {
  return {
    fileName, sha256: `sha-${fileName}`, pixelHash: `px-${fileName}`, dHash: '0f0f0f0f0f0f0f0f', sharpness: 800, brightness: 0.45,
    contrast: 0.2, highlight: 0.9, shadow: 0.05, darkFraction: 0.02, overexposedFraction: 0, entropy: 7, colourfulness: 30,
    mean: [0.45, 0.45, 0.45], std: [0.2, 0.2, 0.2], uniformRowRatio: 0, width: 640, height: 480, aspectRatio: 4 / 3, sizeInBytes: 50_000,
    ...over,
  };
}

describe.each(dialects())('health job over REST ($name)', (dialect) => {
  let server: DatasetServer;
  let client: PlatformClient;
  let datasetId: string;
  let embeddingId: string;

  beforeAll(async () => {
    // img_01 is a byte copy of img_00 (same SHA-256 and embedding row); img_05 is dark; the others are ordinary.
    const samples = NAMES.map((fileName) => ({
      fileName,
      metaData: toLightlyMetaData(
        fileName === 'img_01.jpg' ? measures(fileName, { sha256: 'sha-img_00.jpg', width: 320, height: 240 }) : fileName === 'img_05.jpg' ? measures(fileName, { highlight: 0.05, brightness: 0.03 }) : measures(fileName),
      ),
    }));
    const csv = embeddingsCsv(NAMES, 16, 3).split('\r\n');
    csv[2] = csv[1].replace('img_00.jpg', 'img_01.jpg');
    server = await startDatasetServer({ dataset: 'health-rest', names: NAMES, dialect, samples, csv: csv.join('\r\n') });
    ({ client, datasetId, embeddingId } = server);
  });

  afterAll(() => server?.close());

  it('finds the duplicate and the dark image, reports them and tags them', async () => {
    const { jobId } = await client.startHealth(datasetId, embeddingId, { options: { keeper: 'largest' } });
    const job = await client.waitForJob(jobId);
    expect(job.status).toBe('FINISHED');
    const report = await client.getHealthReport(datasetId, jobId);
    expect(report.exactDuplicates).toEqual([{ kind: 'exact', files: ['img_00.jpg', 'img_01.jpg'], keeper: 'img_00.jpg', minSimilarity: 1 }]);
    expect(report.duplicatesToRemove).toEqual(['img_01.jpg']);
    expect(report.issues.dark.files.map((f) => f.fileName)).toEqual(['img_05.jpg']);
    const kept = await client.exportFilenamesByTagName(datasetId, 'duplicates-removed');
    expect(kept).toEqual(NAMES.filter((n) => n !== 'img_01.jpg'));
    expect(await client.exportFilenamesByTagName(datasetId, 'dark')).toEqual(['img_05.jpg']);
    expect(job.result?.data).toBe((await client.getTagByName(datasetId, 'duplicates-removed')).id);

    // A second run replaces the tags' contents instead of failing on their names.
    const again = await client.startHealth(datasetId, embeddingId, {});
    expect((await client.waitForJob(again.jobId)).status).toBe('FINISHED');
    expect(await client.exportFilenamesByTagName(datasetId, 'duplicates-removed')).toEqual(kept);
  });

  it('lets a selection threshold on the measures as lightly.* metadata', async () => {
    const { jobId } = await client.startSelection(datasetId, embeddingId, {
      newTagName: 'bright-enough',
      selection: { n: 5, strategies: [{ input: { type: 'METADATA', key: 'lightly.luminance' }, strategy: { type: 'THRESHOLD', threshold: 10, operation: 'BIGGER' } }, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] },
    });
    await client.waitForJob(jobId);
    const picked = await client.exportFilenamesByTagName(datasetId, 'bright-enough');
    expect(picked).toHaveLength(5);
    expect(picked).not.toContain('img_05.jpg');
  });

  it('answers 400 naming the field for options out of range', async () => {
    const res = await call(server, 'POST', `/v1/datasets/${datasetId}/embeddings/${embeddingId}/health`, { options: { nearDuplicateThreshold: 2 } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('body.options.nearDuplicateThreshold must be a number in (0, 1], got 2');
  });
});
