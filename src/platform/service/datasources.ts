import { link, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, NotFoundError, TransientError } from '../../errors';
import { assertS3EndpointAllowed, folderPrefix, listS3Objects, parseS3Uri, presignReadUrl, syncLocalToS3, verifyS3Datasource, type S3Settings } from '../../s3';
import type { DatasourceConfigS3, DatasourcePermissionsData, DatasourcePurpose, DatasourceRawSamplesData } from '../schemas';
import { newId, type Store } from '../store/store';
import { datasetStorageDir, getDataset, touchDataset, type UserScope } from './datasets';
import { getSample } from './samples';
import { parseJson } from './rows';
import { unsafeFileNameReason } from '../../safe-names';

// Presigned read URLs live a day: long enough for a labelling session, short enough that a leaked list expires.
const READ_URL_TTL_SECONDS = 24 * 60 * 60;
// Lightly lists datasources in pages; 1,000 = one S3 ListObjectsV2 page.
const DEFAULT_LIST_PAGE = 1000;

type StoredConfig = Omit<DatasourceConfigS3, 's3SecretAccessKey'>;

/**
 * The S3-compatible endpoint (e.g. MinIO) for datasources set without `s3Endpoint` — Lightly's client has no such
 * field, so its `set_s3_config` reaches a self-hosted store only through this (`winnow serve --datasource-s3-endpoint`,
 * env WINNOW_DATASOURCE_S3_ENDPOINT). Unset: AWS.
 */
export function defaultDatasourceS3Endpoint(): string | undefined {
  const value = process.env.WINNOW_DATASOURCE_S3_ENDPOINT?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Sets the dataset's S3 datasource for its purpose (default INPUT_OUTPUT), replacing the previous one. The secret key
 * is encrypted with the platform key; leaving it out keeps the stored one (so the UI can edit other fields).
 * → the config as stored, without `s3SecretAccessKey`
 */
export async function setDatasource(scope: UserScope, datasetId: string, config: DatasourceConfigS3): Promise<DatasourceConfigS3> {
  await getDataset(scope, datasetId);
  parseS3Uri(config.fullPath);
  // Checked when set (a clear 400 naming s3Endpoint) and again whenever the server connects (findDatasource).
  await assertS3EndpointAllowed(config.s3Endpoint, scope.store.s3Endpoints);
  const purpose: DatasourcePurpose = config.purpose ?? 'INPUT_OUTPUT';
  const { db } = scope.store;
  const existing = await db.selectFrom('datasources').selectAll().where('dataset_id', '=', datasetId).where('purpose', '=', purpose).executeTakeFirst();
  const { s3SecretAccessKey, id: _id, ...rest } = config;
  let secret = existing?.secret ?? null;
  if (s3SecretAccessKey !== undefined) secret = scope.store.secrets.encrypt(s3SecretAccessKey);
  if (secret === null) {
    throw new InvalidInputError({ file: 'body', column: 's3SecretAccessKey' }, 'required when the datasource is first set');
  }
  const id = existing?.id ?? newId();
  const stored: StoredConfig = { ...rest, id, purpose };
  const now = Date.now();
  if (existing) {
    await db.updateTable('datasources').set({ config: JSON.stringify(stored), secret, type: 'S3', last_modified_at: now }).where('id', '=', id).execute();
  } else {
    await db
      .insertInto('datasources')
      .values({ id, dataset_id: datasetId, purpose, type: 'S3', config: JSON.stringify(stored), secret, created_at: now, last_modified_at: now })
      .execute();
  }
  await touchDataset(scope.store, datasetId);
  return stored;
}

/** The datasource without its secret. */
export async function getDatasource(scope: UserScope, datasetId: string, purpose: DatasourcePurpose = 'INPUT_OUTPUT'): Promise<DatasourceConfigS3> {
  const { config } = await loadDatasource(scope, datasetId, purpose);
  return config;
}

async function loadDatasource(scope: UserScope, datasetId: string, purpose: DatasourcePurpose): Promise<{ config: StoredConfig; settings: S3Settings }> {
  await getDataset(scope, datasetId);
  const found = await findDatasource(scope.store, datasetId, purpose);
  if (!found) throw new NotFoundError(`${purpose} datasource of dataset`, datasetId);
  return found;
}

/** The datasource of `purpose` with its decrypted settings, or undefined (no ownership check: callers have done it). */
async function findDatasource(store: Store, datasetId: string, purpose: DatasourcePurpose): Promise<{ config: StoredConfig; settings: S3Settings } | undefined> {
  const row = await store.db.selectFrom('datasources').selectAll().where('dataset_id', '=', datasetId).where('purpose', '=', purpose).executeTakeFirst();
  // LOCAL datasources (local-datasources.ts) have no S3 settings: for S3 work the dataset has no datasource.
  if (!row || row.type !== 'S3') return undefined;
  const config = parseJson<StoredConfig>(row.config) as StoredConfig;
  const endpoint = config.s3Endpoint ?? defaultDatasourceS3Endpoint();
  const settings: S3Settings = {
    accessKeyId: config.s3AccessKeyId,
    secretAccessKey: row.secret === null ? undefined : store.secrets.decrypt(row.secret),
    region: config.s3Region,
    endpoint,
    forcePathStyle: config.s3ForcePathStyle ?? (endpoint !== undefined ? true : undefined),
    // Every connection made with these settings re-checks the resolved address (DNS rebinding, redirects).
    endpointPolicy: store.s3Endpoints,
  };
  // A datasource stored before the policy (or before the operator narrowed it) is refused, not used.
  await assertS3EndpointAllowed(endpoint, store.s3Endpoints);
  return { config, settings };
}

/**
 * Copies an uploaded embeddings CSV to the dataset's output datasource (LIGHTLY, else INPUT_OUTPUT) as
 * `<fullPath>/.lightly/embeddings/<name>.csv`, where Lightly keeps its outputs; streamed (multipart when large) by
 * the S3 sync. Datasets without an output datasource keep the CSV in the platform home only.
 * → `'s3://datalake/farm/.lightly/embeddings/default.csv'`, or undefined when there is no output datasource
 */
export async function mirrorEmbeddingsCsv(store: Store, datasetId: string, csvPath: string, name: string, signal?: AbortSignal): Promise<string | undefined> {
  const target = (await findDatasource(store, datasetId, 'LIGHTLY')) ?? (await findDatasource(store, datasetId, 'INPUT_OUTPUT'));
  if (!target) return undefined;
  const { bucket, prefix } = parseS3Uri(target.config.fullPath);
  const fileName = `${name.replace(/[/\\]/g, '_')}.csv`;
  // The sync mirrors a folder: stage a hard link (no copy) to the CSV in a folder of its own.
  const staging = path.join(datasetStorageDir(store.home, datasetId), `.mirror-${process.pid}-${newId()}`);
  await mkdir(staging, { recursive: true });
  try {
    await link(csvPath, path.join(staging, fileName));
    const targetUri = `s3://${bucket}/${folderPrefix(prefix)}.lightly/embeddings`;
    const result = await syncLocalToS3({ sourceDir: staging, target: targetUri, s3: target.settings, signal });
    if (result.failed.length > 0 || result.refused.length > 0) {
      const reason = [...result.failed, ...result.refused].map((f) => JSON.stringify(f)).join('; ');
      throw new TransientError(`the embeddings CSV was stored, but copying it to ${targetUri} failed: ${reason}`);
    }
    return `${targetUri}/${fileName}`;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Lightly's `GET …/datasource/verify`: the List / Read / Write lights, each with a reason when red (never a secret).
 * → `{ canList: true, canRead: true, canWrite: false, canOverwrite: false, errors: { canWrite: 'not allowed to write: …' } }`
 */
export async function verifyDatasource(scope: UserScope, datasetId: string, purpose: DatasourcePurpose = 'INPUT_OUTPUT'): Promise<DatasourcePermissionsData> {
  const { config, settings } = await loadDatasource(scope, datasetId, purpose);
  const { bucket, prefix } = parseS3Uri(config.fullPath);
  const lights = await verifyS3Datasource({ s3: settings, bucket, prefix: folderPrefix(prefix), checkWrite: true });
  const write = lights.write ?? { ok: false, reason: 'not checked' };
  const errors: Record<string, string> = {};
  if (!lights.list.ok && lights.list.reason) errors.canList = lights.list.reason;
  if (!lights.read.ok && lights.read.reason) errors.canRead = lights.read.reason;
  if (!write.ok && write.reason) errors.canWrite = write.reason;
  const result: DatasourcePermissionsData = {
    canList: lights.list.ok,
    canRead: lights.read.ok,
    canWrite: write.ok,
    // The write probe puts and deletes its own object, so a green Write light also means overwrite works.
    canOverwrite: write.ok,
  };
  if (Object.keys(errors).length > 0) result.errors = errors;
  return result;
}

/**
 * Where a datasource listing stands, carried in Lightly's opaque `cursor`: the last key listed and the `from`/`to`
 * window (unix seconds, on the objects' last-modified time) that `…/datasource/list/dnc` opened.
 */
export interface ListCursor {
  after?: string;
  from?: number;
  to?: number;
}

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(text: string | undefined): ListCursor {
  if (text === undefined || text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InvalidInputError({ file: 'query', column: 'cursor' }, 'not a cursor this server handed out');
  const { after, from, to } = parsed as Record<string, unknown>;
  return {
    after: typeof after === 'string' ? after : undefined,
    from: typeof from === 'number' ? from : undefined,
    to: typeof to === 'number' ? to : undefined,
  };
}

/**
 * Lightly's `GET …/datasource/list/dnc?from&to&dncShards`: the cursors to list the datasource with, here one cursor
 * holding the time window (S3 lists in key order, so there is nothing to shard). → `{ cursors: ['eyJmcm9tIjowfQ'] }`
 */
export async function datasourceListCursors(scope: UserScope, datasetId: string, window: { from?: number; to?: number; purpose?: DatasourcePurpose }): Promise<{ cursors: string[] }> {
  await loadDatasource(scope, datasetId, window.purpose ?? 'INPUT_OUTPUT');
  return { cursors: [encodeCursor({ from: window.from ?? 0, to: window.to })] };
}

/**
 * Lightly's `GET …/datasource/list`: one page of the files under the datasource's path, with presigned read URLs,
 * restricted to the cursor's time window. Pass the returned cursor back while `hasMore`.
 * → `{ hasMore: true, cursor: 'eyJhZnRlciI6…', data: [{ fileName: 'cow-001.jpg', readUrl: 'http://…?X-Amz-Signature=…' }] }`
 */
export async function listDatasourceFiles(
  scope: UserScope,
  datasetId: string,
  options: { cursor?: string; pageSize?: number; purpose?: DatasourcePurpose; folder?: string } = {},
): Promise<DatasourceRawSamplesData> {
  const { config, settings } = await loadDatasource(scope, datasetId, options.purpose ?? 'INPUT_OUTPUT');
  const { bucket, prefix: rawPrefix } = parseS3Uri(config.fullPath);
  // `folder`: one of Lightly's output folders (`.lightly/predictions/<task>/`, `.lightly/metadata/`) instead of the samples.
  const prefix = folderPrefix(rawPrefix) + (options.folder ?? '');
  const pageSize = options.pageSize ?? DEFAULT_LIST_PAGE;
  const cursor = decodeCursor(options.cursor);
  const keys: string[] = [];
  let lastSeen: string | undefined;
  // One more than the page tells whether there is a next page without a second request.
  for await (const object of listS3Objects({ s3: settings, bucket, prefix, startAfter: cursor.after })) {
    lastSeen = object.key;
    const seconds = object.lastModified.getTime() / 1000;
    if (cursor.from !== undefined && seconds < cursor.from) continue;
    if (cursor.to !== undefined && seconds > cursor.to) continue;
    // `.lightly/` holds the platform's own outputs (embeddings, thumbnails), not samples; a name that could not be a
    // sample (a `..` segment, a backslash: unsafeFileNameReason) is left out rather than presigned.
    const name = object.key.slice(prefix.length);
    if (unsafeFileNameReason(name) !== undefined) continue;
    if (!object.key.endsWith('/') && (options.folder !== undefined || !name.startsWith('.lightly/'))) keys.push(object.key);
    if (keys.length > pageSize) break;
  }
  const hasMore = keys.length > pageSize;
  const page = keys.slice(0, pageSize);
  const data = await Promise.all(
    page.map(async (key) => ({ fileName: key.slice(prefix.length), readUrl: await presignReadUrl(settings, `s3://${bucket}/${key}`, READ_URL_TTL_SECONDS) })),
  );
  const after = hasMore ? page.at(-1) : (lastSeen ?? cursor.after);
  return { hasMore, cursor: encodeCursor({ ...cursor, after }), data };
}

/**
 * Lightly's `…/datasource/{predictions,metadata,embeddings}/file?fileName=`: a presigned URL of one file in the
 * datasource's `.lightly/<kind>/` folder. → `'http://127.0.0.1:9000/datalake/farm/.lightly/metadata/a.json?X-Amz-…'`
 */
export async function datasourceFileReadUrl(scope: UserScope, datasetId: string, folder: string, fileName: string): Promise<string> {
  const { config, settings } = await loadDatasource(scope, datasetId, 'INPUT_OUTPUT').catch(async (error: unknown) => {
    if (error instanceof NotFoundError) return loadDatasource(scope, datasetId, 'LIGHTLY');
    throw error;
  });
  const { bucket, prefix } = parseS3Uri(config.fullPath);
  return presignReadUrl(settings, `s3://${bucket}/${folderPrefix(prefix)}${folder}${fileName}`, READ_URL_TTL_SECONDS);
}

/**
 * Lightly's `…/samples/{sampleId}/readurlRedirect`: a presigned URL of the sample's image (`full`) or thumbnail
 * (`thumbnail`, falling back to the image when the sample has no thumbName) in the dataset's datasource.
 * → `'http://127.0.0.1:9000/datalake/farm/cow-001.jpg?X-Amz-Signature=…'`
 */
export async function sampleReadUrl(scope: UserScope, datasetId: string, sampleId: string, type: 'full' | 'thumbnail' = 'full'): Promise<string> {
  const sample = await getSample(scope, datasetId, sampleId);
  let source: Awaited<ReturnType<typeof loadDatasource>> | undefined;
  for (const purpose of ['INPUT_OUTPUT', 'INPUT'] as const) {
    try {
      source = await loadDatasource(scope, datasetId, purpose);
      break;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  if (source === undefined) throw new NotFoundError('datasource (to read images from) of dataset', datasetId);
  const { bucket, prefix } = parseS3Uri(source.config.fullPath);
  const name = type === 'thumbnail' && sample.thumbName ? sample.thumbName : sample.fileName;
  return presignReadUrl(source.settings, `s3://${bucket}/${folderPrefix(prefix)}${name}`, READ_URL_TTL_SECONDS);
}
