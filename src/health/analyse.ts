import type { EmbeddingMatrix } from '../embeddings/matrix';
import { InvalidConfigError } from '../errors';
import type { ProgressCallback } from '../progress';
import { exactDuplicateGroups, isNearPair, nearDuplicateGroups, type DuplicateGroup } from './duplicates';
import { parseHealthOptions, type HealthOptions } from './health-options';
import { findIssues, relativeCut, type IssueList, type IssueRule, type IssueType } from './issues';
import type { ImageMeasures } from './measures';
import { allNeighbours, type NeighbourLists } from './neighbours';

/** Outlier cut on the distance to the k-th neighbour: median + 3 robust σ, never below 0.25 nor above 0.6. */
const OUTLIER_RULE: Pick<IssueRule, 'tail' | 'z' | 'window'> = { tail: 'high', z: 3, window: [0.25, 0.6] };

export interface HealthInput {
  embeddings: EmbeddingMatrix;
  /** Measures by file name (from the embed pass); images without any are left out of exact groups and issues. */
  measures: ReadonlyMap<string, ImageMeasures>;
  /** Files that could not be decoded, with the reason (listed in the report, never fatal). */
  unreadable?: Array<{ file: string; reason: string }>;
  options?: Partial<HealthOptions> | HealthOptions;
  /** Precomputed neighbour lists (an incremental check brings its own); default: computed here. */
  neighbours?: NeighbourLists;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export interface HealthReport {
  samples: number;
  measured: number;
  options: HealthOptions;
  exactDuplicates: DuplicateGroup[];
  /** Near-duplicate groups (exact copies are in them too, being as alike as can be). */
  nearDuplicates: DuplicateGroup[];
  outliers: { k: number; threshold: number; source: 'dataset' | 'absolute'; files: Array<{ fileName: string; distance: number }> };
  issues: Record<IssueType, IssueList>;
  unreadable: Array<{ file: string; reason: string }>;
  /** Every duplicate that is not its group's keeper: what "remove all but keepers" removes. */
  duplicatesToRemove: string[];
  stats: { neighbourMethod: NeighbourLists['method']; seconds: number };
}

/**
 * The analysis step: exact and near-duplicate groups with a keeper each, outliers by distance to the k-th
 * neighbour, and quality issues with dataset-relative thresholds.
 *
 * @example
 * const report = await analyseHealth({ embeddings: await loadEmbeddingMatrix('embeddings.csv'), measures: await readMeasuresFile('embeddings.measures.jsonl') });
 * report.nearDuplicates[0] // { kind: 'near', files: ['a.jpg', 'a_small.jpg'], keeper: 'a.jpg', minSimilarity: 0.97 }
 */
export async function analyseHealth(input: HealthInput): Promise<HealthReport> {
  const started = Date.now();
  const options = parseHealthOptions(input.options ?? {});
  const { embeddings } = input;
  const n = embeddings.fileNames.length;
  if (n === 0 || embeddings.dim === 0) throw new InvalidConfigError('no embeddings: embed the images first (winnow embed, or the Embed step), then run health');
  const k = Math.max(options.outlierK, 10);
  const lists =
    input.neighbours ?? (await allNeighbours(embeddings.data, embeddings.dim, { k, method: options.neighbours, onProgress: input.onProgress, signal: input.signal }));

  const exactDuplicates = exactDuplicateGroups(embeddings.fileNames, input.measures, options.keeper);
  const rule = { threshold: options.nearDuplicateThreshold, layoutThreshold: options.layoutThreshold };
  const nearDuplicates = nearDuplicateGroups(embeddings.fileNames, lists, rule, input.measures, options.keeper);

  // Exact copies tie their group in the neighbour lists, so an image's copies would hide that it is an outlier:
  // its k-th neighbour counts distinct pictures only, skipping rows that are near duplicates of it.
  const distances = new Float64Array(n);
  for (let row = 0; row < n; row++) {
    let seen = 0;
    let d = 2;
    for (let j = 0; j < lists.k; j++) {
      const s = lists.similarities[row * lists.k + j];
      const other = lists.indices[row * lists.k + j];
      if (other < 0) break;
      if (isNearPair(s, embeddings.fileNames[row], embeddings.fileNames[other], input.measures, rule)) continue;
      if (++seen === options.outlierK) {
        d = 1 - s;
        break;
      }
    }
    distances[row] = d === 2 ? 1 - lists.similarities[row * lists.k + lists.k - 1] : d;
  }
  const outlierCut = options.outlierThreshold ?? relativeCut(Array.from(distances), OUTLIER_RULE);
  const outliers: HealthReport['outliers']['files'] = [];
  for (let row = 0; row < n; row++) {
    if (distances[row] > outlierCut) outliers.push({ fileName: embeddings.fileNames[row], distance: Math.round(distances[row] * 10_000) / 10_000 });
  }
  outliers.sort((a, b) => b.distance - a.distance);

  const measured = embeddings.fileNames.map((f) => input.measures.get(f)).filter((m): m is ImageMeasures => m !== undefined);
  const issues = findIssues(measured, options.thresholds);

  const remove = new Set<string>();
  for (const g of [...exactDuplicates, ...nearDuplicates]) for (const f of g.files) if (f !== g.keeper) remove.add(f);
  // A file kept by its exact group may lose in its near group (and the other way round): the near group's keeper wins,
  // and an exact group's keeper that the near group removes takes its copies with it.
  for (const g of nearDuplicates) remove.delete(g.keeper);
  for (const g of exactDuplicates) if (remove.has(g.keeper)) for (const f of g.files) remove.add(f);

  return {
    samples: n,
    measured: measured.length,
    options,
    exactDuplicates,
    nearDuplicates,
    outliers: { k: options.outlierK, threshold: Math.round(outlierCut * 10_000) / 10_000, source: options.outlierThreshold === undefined ? 'dataset' : 'absolute', files: outliers },
    issues,
    unreadable: input.unreadable ?? [],
    duplicatesToRemove: embeddings.fileNames.filter((f) => remove.has(f)),
    stats: { neighbourMethod: lists.method, seconds: (Date.now() - started) / 1000 },
  };
}

/** Platform tag names the report's lists become (kebab-case, as tags are named in the web app). */
export const HEALTH_TAGS = {
  duplicatesRemoved: 'duplicates-removed',
  duplicates: 'duplicates',
  outliers: 'outliers',
  blurry: 'blurry',
  dark: 'dark',
  light: 'light',
  overexposed: 'overexposed',
  lowInformation: 'low-information',
  oddAspectRatio: 'odd-aspect-ratio',
  oddSize: 'odd-size',
  unreadable: 'unreadable',
} as const;

/**
 * The tags a report makes, each as its file names: `duplicates-removed` is every sample except the duplicates to
 * remove (a selection's pool "everything but the duplicates"); the others hold the flagged samples. Empty lists are
 * left out (a tag needs at least one sample).
 *
 * @example
 * healthTags(report) // Map { 'duplicates-removed' => [...998 names], 'duplicates' => ['b_copy.jpg', 'c.png'], 'blurry' => ['x.jpg'] }
 */
export function healthTags(report: HealthReport, fileNames: readonly string[], prefix = ''): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  const put = (name: string, files: string[]) => {
    if (files.length > 0) tags.set(prefix + name, files);
  };
  const removed = new Set(report.duplicatesToRemove);
  put(HEALTH_TAGS.duplicatesRemoved, fileNames.filter((f) => !removed.has(f)));
  put(HEALTH_TAGS.duplicates, report.duplicatesToRemove);
  put(HEALTH_TAGS.outliers, report.outliers.files.map((o) => o.fileName));
  for (const [type, list] of Object.entries(report.issues) as Array<[IssueType, IssueList]>) put(HEALTH_TAGS[type], list.files.map((f) => f.fileName));
  const present = new Set(fileNames);
  put(HEALTH_TAGS.unreadable, report.unreadable.map((u) => u.file).filter((f) => present.has(f)));
  return tags;
}
