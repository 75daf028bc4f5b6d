import type { PlatformClient } from '../platform/client/platform-client';
import type { ProgressCallback } from '../progress';
import { measureProgress } from '../progress';
import { healthTags, type HealthReport } from './analyse';
import { toLightlyMetaData, type ImageMeasures } from './measures';

export interface PublishResult {
  /** Samples whose metaData got the measures. */
  measured: number;
  /** Measured files with no sample of that name in the dataset (not uploaded). */
  missing: number;
  /** Tags made or replaced, with their sizes. */
  tags: Array<{ name: string; count: number }>;
}

/**
 * Puts a folder's health findings on a platform dataset: each sample's measures into its `metaData` (merged into what
 * is there, in Lightly's shape), and one tag per finding, replacing a tag of that name from an earlier run.
 *
 * @example
 * await publishHealth(client, datasetId, report, measures)
 * // { measured: 425, missing: 0, tags: [{ name: 'duplicates-removed', count: 159 }, { name: 'blurry', count: 40 }, …] }
 */
export async function publishHealth(
  client: PlatformClient,
  datasetId: string,
  report: HealthReport,
  measures: ReadonlyMap<string, ImageMeasures>,
  options: { tagPrefix?: string; onProgress?: ProgressCallback; signal?: AbortSignal } = {},
): Promise<PublishResult> {
  const started = Date.now();
  let measured = 0;
  const onPlatform: string[] = [];
  for await (const sample of client.iterateSamples(datasetId, { signal: options.signal })) {
    onPlatform.push(sample.fileName);
    const m = measures.get(sample.fileName);
    if (m === undefined) continue;
    await client.updateSampleById(datasetId, sample.id, { metaData: { ...(sample.metaData ?? {}), ...toLightlyMetaData(m) } });
    measured++;
    if (measured % 100 === 0) options.onProgress?.(measureProgress(measured, measures.size, started));
  }
  const present = new Set(onPlatform);
  const tags: PublishResult['tags'] = [];
  for (const [name, files] of healthTags(report, onPlatform, options.tagPrefix ?? '')) {
    const names = files.filter((f) => present.has(f));
    if (names.length === 0) continue;
    const existing = (await client.getAllTags(datasetId)).find((t) => t.name === name);
    if (existing) await client.deleteTag(datasetId, existing.id);
    await client.createTagFromFilenames(datasetId, name, names);
    tags.push({ name, count: names.length });
  }
  return { measured, missing: [...measures.keys()].filter((f) => !present.has(f)).length, tags };
}
