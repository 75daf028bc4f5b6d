import type { Pagination, SampleData } from '../schemas';
import { folderPrefix, parseS3Uri } from '../../s3';
import { NotFoundError } from '../../errors';
import { getDatasource } from './datasources';
import { findInputLocalDatasource } from './local-datasources';
import { indicesOf } from './bitmask';
import { num, toSampleData } from './rows';
import { sampleReadUrlFor, SAMPLE_URL_TTL_SECONDS } from './sample-files';
import { samplesNewInRound } from './rounds';
import { getTag } from './tags';
import type { UserScope } from './datasets';

/** One sample of an exported tag: its position in the tag, name, a URL anyone can open and its datasource location. */
export interface ExportedSample {
  /** Position in dataset order (Label Studio's task id). */
  index: number;
  fileName: string;
  readUrl: string;
  /** `s3://bucket/prefix/fileName` in the dataset's datasource; the file name when the platform stores the image. */
  datasourceUrl: string;
  sample: SampleData;
}

export interface ExportOptions extends Pagination {
  /** Seconds the read URLs stay valid (Lightly's `expiresIn`); default a day. */
  expiresIn?: number;
  /** false: file names and datasource paths only, so samples without a stored image export too (`readUrl` is ''). */
  readUrls?: boolean;
  /** Only the samples not in this tag: the samples new in a round, for labeling just them (Winnow extension). */
  newSinceTagId?: string;
}

/**
 * The samples of a tag in dataset order, one page at a time (Lightly's `pageSize`/`pageOffset` over the tag's
 * samples), each with a read URL a browser or labelling tool opens without a token: a signed platform URL when the
 * platform stores the image, else a presigned URL into the datasource. Every export format is built from this.
 */
export async function exportTagSamples(scope: UserScope, datasetId: string, tagId: string, baseUrl: string, options: ExportOptions = {}): Promise<ExportedSample[]> {
  const tag = await getTag(scope, datasetId, tagId);
  const all = options.newSinceTagId === undefined ? indicesOf(tag.bitMaskData) : (await samplesNewInRound(scope, datasetId, tagId, options.newSinceTagId)).indices;
  const start = options.pageOffset ?? 0;
  const indices = options.pageSize === undefined ? all.slice(start) : all.slice(start, start + options.pageSize);
  if (indices.length === 0) return [];
  const rows = [];
  // One query per 2,000 positions keeps the bound parameters under both backends' limits.
  for (let i = 0; i < indices.length; i += 2000) {
    rows.push(...(await scope.store.db.selectFrom('samples').selectAll().where('dataset_id', '=', datasetId).where('idx', 'in', indices.slice(i, i + 2000)).orderBy('idx').execute()));
  }
  const datasourceRoot = await datasourceRootOf(scope, datasetId);
  const ttl = Math.min(Math.max(Math.round(options.expiresIn ?? SAMPLE_URL_TTL_SECONDS), 1), 7 * 24 * 3600);
  const out: ExportedSample[] = [];
  for (const row of rows) {
    const sample = toSampleData(row);
    out.push({
      index: num(row.idx),
      fileName: row.file_name,
      readUrl: options.readUrls === false ? '' : await sampleReadUrlFor(scope, datasetId, row.id, 'full', baseUrl, ttl),
      datasourceUrl: datasourceRoot === undefined ? row.file_name : `${datasourceRoot}${row.file_name}`,
      sample,
    });
  }
  return out;
}

/** `s3://bucket/prefix/` (or a LOCAL datasource's folder) of the dataset's input datasource; undefined without one. */
async function datasourceRootOf(scope: UserScope, datasetId: string): Promise<string | undefined> {
  const local = await findInputLocalDatasource(scope.store, datasetId);
  if (local !== undefined) return local.fullPath.endsWith('/') ? local.fullPath : `${local.fullPath}/`;
  for (const purpose of ['INPUT_OUTPUT', 'INPUT'] as const) {
    try {
      const config = await getDatasource(scope, datasetId, purpose);
      const { bucket, prefix } = parseS3Uri(config.fullPath);
      return `s3://${bucket}/${folderPrefix(prefix)}`;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return undefined;
}
