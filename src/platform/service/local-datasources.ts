import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError, InvalidInputError, NotFoundError } from '../../errors';
import { safeLocalPath } from '../../s3';
import type { DatasourceConfigLocal, DatasourcePurpose, DatasourceRawSamplesData } from '../schemas';
import { newId, type Store } from '../store/store';
import { getDataset, touchDataset, type UserScope } from './datasets';
import { parseJson } from './rows';

/**
 * The folder LOCAL datasources live under (`winnow serve --local-datasource-root DIR`, env
 * WINNOW_LOCAL_DATASOURCE_ROOT). Unset: LOCAL datasources are refused, so no API user can make the server read an
 * arbitrary folder of its host.
 */
export function localDatasourceRoot(): string | undefined {
  const value = process.env.WINNOW_LOCAL_DATASOURCE_ROOT?.trim();
  return value === undefined || value === '' ? undefined : path.resolve(value);
}

const LOCAL_URL_TTL_SECONDS = 24 * 60 * 60;

/**
 * The datasource folder on this host: `<root>/<fullPath>`, resolved through symlinks and refused unless it stays
 * inside the root. Lightly's rules for `fullPath` apply: relative, no `://`, no `.`/`..` parts.
 */
async function resolveFolder(fullPath: string): Promise<string> {
  const root = localDatasourceRoot();
  if (root === undefined) {
    throw new InvalidConfigError('LOCAL datasources are off on this server: start it with `winnow serve --local-datasource-root DIR` to allow folders under DIR');
  }
  const where = { file: 'body', column: 'fullPath' };
  const trimmed = fullPath.replace(/\/+$/, '');
  if (trimmed.startsWith('/') || trimmed.includes('://') || trimmed.split('/').some((part) => part === '.' || part === '..')) {
    throw new InvalidInputError(where, `${JSON.stringify(fullPath)} must be relative to the local datasource root, without "://", "." or ".." parts`);
  }
  const realRoot = await realpath(root).catch(() => {
    throw new InvalidConfigError(`the local datasource root ${root} does not exist`);
  });
  const local = trimmed === '' ? { ok: true as const, path: realRoot } : safeLocalPath(realRoot, trimmed);
  if (!local.ok) throw new InvalidInputError(where, `${JSON.stringify(fullPath)}: ${local.reason}`);
  const real = await realpath(local.path).catch(() => {
    throw new InvalidInputError(where, `no folder ${JSON.stringify(fullPath)} under the local datasource root`);
  });
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw new InvalidInputError(where, `${JSON.stringify(fullPath)} leads outside the local datasource root`);
  if (!(await stat(real)).isDirectory()) throw new InvalidInputError(where, `${JSON.stringify(fullPath)} is not a folder`);
  return real;
}

/** Lightly's `set_local_config`: a read-only folder under the server's local datasource root. → the config as stored */
export async function setLocalDatasource(scope: UserScope, datasetId: string, config: DatasourceConfigLocal): Promise<DatasourceConfigLocal> {
  await getDataset(scope, datasetId);
  await resolveFolder(config.fullPath);
  const purpose: DatasourcePurpose = config.purpose ?? 'INPUT_OUTPUT';
  const { db } = scope.store;
  const existing = await db.selectFrom('datasources').select('id').where('dataset_id', '=', datasetId).where('purpose', '=', purpose).executeTakeFirst();
  const id = existing?.id ?? newId();
  const stored: DatasourceConfigLocal = { id, purpose, type: 'LOCAL', fullPath: config.fullPath };
  if (config.thumbSuffix !== undefined) stored.thumbSuffix = config.thumbSuffix;
  if (config.webServerLocation !== undefined) stored.webServerLocation = config.webServerLocation;
  const now = Date.now();
  if (existing) {
    await db.updateTable('datasources').set({ config: JSON.stringify(stored), secret: null, type: 'LOCAL', last_modified_at: now }).where('id', '=', id).execute();
  } else {
    await db.insertInto('datasources').values({ id, dataset_id: datasetId, purpose, type: 'LOCAL', config: JSON.stringify(stored), secret: null, created_at: now, last_modified_at: now }).execute();
  }
  await touchDataset(scope.store, datasetId);
  return stored;
}

/** The dataset's LOCAL datasource of `purpose`, or undefined when it has none (or an S3 one). */
export async function findLocalDatasource(store: Store, datasetId: string, purpose: DatasourcePurpose): Promise<DatasourceConfigLocal | undefined> {
  const row = await store.db.selectFrom('datasources').select(['type', 'config']).where('dataset_id', '=', datasetId).where('purpose', '=', purpose).executeTakeFirst();
  return row?.type === 'LOCAL' ? parseJson<DatasourceConfigLocal>(row.config) : undefined;
}

/** The input LOCAL datasource (INPUT_OUTPUT, else INPUT), or undefined. */
export async function findInputLocalDatasource(store: Store, datasetId: string): Promise<DatasourceConfigLocal | undefined> {
  return (await findLocalDatasource(store, datasetId, 'INPUT_OUTPUT')) ?? (await findLocalDatasource(store, datasetId, 'INPUT'));
}

function signedMessage(datasetId: string, fileName: string, expires: number): string {
  return `local-file GET ${datasetId}/${expires}/${fileName}`;
}

/** A signed URL to GET one file of the dataset's LOCAL datasource through the platform (no token needed). */
export function signedLocalFileUrl(store: Store, baseUrl: string, datasetId: string, fileName: string, ttlSeconds = LOCAL_URL_TTL_SECONDS): string {
  const expires = Date.now() + ttlSeconds * 1000;
  const signature = store.secrets.sign(signedMessage(datasetId, fileName, expires));
  const query = new URLSearchParams({ fileName, expires: String(expires), signature });
  return `${baseUrl.replace(/\/+$/, '')}/v1/datasets/${datasetId}/datasource/local/file?${query.toString()}`;
}

export function verifyLocalFileSignature(store: Store, datasetId: string, fileName: string, expires: number, signature: string): boolean {
  return Number.isFinite(expires) && expires > Date.now() && store.secrets.verify(signedMessage(datasetId, fileName, expires), signature);
}

/** The path of one file of the dataset's input LOCAL datasource, confined to its folder (symlinks included). */
export async function localDatasourceFile(store: Store, datasetId: string, fileName: string): Promise<string> {
  const config = await findInputLocalDatasource(store, datasetId);
  if (config === undefined) throw new NotFoundError('LOCAL datasource of dataset', datasetId);
  const folder = await resolveFolder(config.fullPath);
  const local = safeLocalPath(folder, fileName);
  if (!local.ok) throw new InvalidInputError({ file: 'query', column: 'fileName' }, `${JSON.stringify(fileName)}: ${local.reason}`, 'UNSAFE_FILE_NAME');
  const real = await realpath(local.path).catch(() => {
    throw new NotFoundError('file in the LOCAL datasource', fileName);
  });
  if (!real.startsWith(folder + path.sep)) throw new InvalidInputError({ file: 'query', column: 'fileName' }, `${JSON.stringify(fileName)} leads outside the datasource folder`, 'UNSAFE_FILE_NAME');
  return real;
}

/** Every file under `dir` (relative, `/`-separated, sorted), skipping `.lightly/` (the platform's own outputs). */
/** `includeLightly`: also descend into a top-level `.lightly/` (when listing inside an output folder). */
async function* walk(dir: string, relative = '', includeLightly = false): AsyncGenerator<{ name: string; mtimeSeconds: number }> {
  const entries = [];
  for await (const entry of await opendir(dir)) entries.push(entry);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (relative === '' && entry.name === '.lightly' && !includeLightly) continue;
      yield* walk(path.join(dir, entry.name), name, includeLightly);
    } else if (entry.isFile()) {
      const info = await stat(path.join(dir, entry.name));
      yield { name, mtimeSeconds: info.mtimeMs / 1000 };
    }
  }
}

/**
 * Lightly's `…/datasource/list` for a LOCAL datasource: a page of its files (in name order, within the cursor's
 * `from`/`to` window on modification time) with signed platform read URLs.
 */
export async function listLocalDatasourceFiles(
  store: Store,
  config: DatasourceConfigLocal,
  datasetId: string,
  baseUrl: string,
  options: { after?: string; from?: number; to?: number; pageSize: number; folder?: string },
): Promise<DatasourceRawSamplesData & { after?: string }> {
  const root = await resolveFolder(config.fullPath);
  // `folder`: one of Lightly's output folders (`.lightly/predictions/<task>/`, `.lightly/metadata/`) instead of the samples.
  const sub = options.folder ?? '';
  const inside = sub === '' ? { ok: true as const, path: root } : safeLocalPath(root, sub.replace(/\/+$/, ''));
  if (!inside.ok) throw new InvalidInputError({ file: 'query', column: 'taskName' }, inside.reason);
  if ((await stat(inside.path).catch(() => null))?.isDirectory() !== true) return { hasMore: false, cursor: '', after: options.after, data: [] };
  const names: string[] = [];
  let lastSeen: string | undefined;
  for await (const file of walk(inside.path, '', sub !== '')) {
    if (options.after !== undefined && file.name <= options.after) continue;
    lastSeen = file.name;
    if (options.from !== undefined && file.mtimeSeconds < options.from) continue;
    if (options.to !== undefined && file.mtimeSeconds > options.to) continue;
    names.push(file.name);
    if (names.length > options.pageSize) break;
  }
  const hasMore = names.length > options.pageSize;
  const page = names.slice(0, options.pageSize);
  return {
    hasMore,
    cursor: '',
    after: hasMore ? page.at(-1) : (lastSeen ?? options.after),
    data: page.map((fileName) => ({ fileName, readUrl: signedLocalFileUrl(store, baseUrl, datasetId, sub + fileName) })),
  };
}
