import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidInputError, NotFoundError } from '../../errors';
import { createThumbnail, safeLocalPath, thumbnailName } from '../../s3';
import type { Store } from '../store/store';
import { datasetStorageDir, touchDataset, type UserScope } from './datasets';
import { sampleReadUrl } from './datasources';
import { findInputLocalDatasource, signedLocalFileUrl } from './local-datasources';
import { getSample } from './samples';
import { streamToFile } from './stream-to-file';

/** `full` = the image as uploaded, `thumbnail` = its WebP thumbnail (Lightly's `type` / `isThumbnail`). */
export type SampleFileKind = 'full' | 'thumbnail';

// Lightly's signed URLs live for hours; a day covers a slow upload and a labelling session, and then expires.
export const SAMPLE_URL_TTL_SECONDS = 24 * 60 * 60;
// One image through a write URL; far above any photo, small enough that a runaway upload stops.
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

function signedMessage(verb: 'GET' | 'PUT', datasetId: string, sampleId: string, kind: SampleFileKind, expires: number): string {
  return `sample-file ${verb} ${datasetId}/${sampleId}/${kind}/${expires}`;
}

/**
 * A signed URL of the platform's own `…/samples/{sampleId}/file/{kind}` route: GET reads the image, PUT stores it.
 * It carries no token, so a browser, `requests.put` or a labelling tool can use it as it is.
 * → `'http://127.0.0.1:7878/v1/datasets/…/samples/…/file/full?expires=1765200000000&signature=…'`
 */
export function signedSampleFileUrl(
  store: Store,
  baseUrl: string,
  verb: 'GET' | 'PUT',
  ids: { datasetId: string; sampleId: string },
  kind: SampleFileKind,
  ttlSeconds = SAMPLE_URL_TTL_SECONDS,
): string {
  const expires = Date.now() + ttlSeconds * 1000;
  const signature = store.secrets.sign(signedMessage(verb, ids.datasetId, ids.sampleId, kind, expires));
  return `${baseUrl.replace(/\/+$/, '')}/v1/datasets/${ids.datasetId}/samples/${ids.sampleId}/file/${kind}?expires=${expires}&signature=${signature}`;
}

/** Checks a signed sample-file URL's query; false when expired or forged (or signed for the other verb or kind). */
export function verifySampleFileSignature(
  store: Store,
  verb: 'GET' | 'PUT',
  ids: { datasetId: string; sampleId: string },
  kind: SampleFileKind,
  expires: number,
  signature: string,
): boolean {
  return Number.isFinite(expires) && expires > Date.now() && store.secrets.verify(signedMessage(verb, ids.datasetId, ids.sampleId, kind, expires), signature);
}

/** Where the platform keeps a sample's image or thumbnail: `<home>/storage/<datasetId>/<name>`, never outside it. */
function storedPath(store: Store, datasetId: string, sample: { fileName: string; thumbName?: string | null }, kind: SampleFileKind): string {
  const name = kind === 'full' ? sample.fileName : (sample.thumbName ?? thumbnailName(sample.fileName));
  const local = safeLocalPath(datasetStorageDir(store.home, datasetId), name);
  if (!local.ok) throw new InvalidInputError({ file: 'sample', column: kind === 'full' ? 'fileName' : 'thumbName' }, `${JSON.stringify(name)}: ${local.reason}`, 'UNSAFE_FILE_NAME');
  return local.path;
}

/** The stored file of a sample, or undefined when the platform holds none of that kind. */
export async function findStoredSampleFile(store: Store, datasetId: string, sample: { fileName: string; thumbName?: string | null }, kind: SampleFileKind): Promise<string | undefined> {
  let file: string;
  try {
    file = storedPath(store, datasetId, sample, kind);
  } catch {
    return undefined;
  }
  const info = await stat(file).catch(() => null);
  return info !== null && info.isFile() ? file : undefined;
}

/**
 * Lightly's `GET …/samples/{sampleId}/writeurl?isThumbnail=` and `…/writeurls`: signed URLs to PUT the sample's image
 * and thumbnail to. The platform stores them (and makes the thumbnail of a full image that arrives without one).
 * → `{ full: 'http://…/file/full?expires=…&signature=…', thumb: 'http://…/file/thumbnail?…' }`
 */
export async function sampleWriteUrls(scope: UserScope, datasetId: string, sampleId: string, baseUrl: string): Promise<{ full: string; thumb: string }> {
  await getSample(scope, datasetId, sampleId);
  const ids = { datasetId, sampleId };
  return { full: signedSampleFileUrl(scope.store, baseUrl, 'PUT', ids, 'full'), thumb: signedSampleFileUrl(scope.store, baseUrl, 'PUT', ids, 'thumbnail') };
}

/**
 * Lightly's `GET …/samples/{sampleId}/readurl?type=full|thumbnail`: a URL anyone holding it can GET for a day — a
 * signed platform URL when the platform stores the file, else a presigned URL into the dataset's datasource. A
 * missing thumbnail falls back to the full image (Lightly shows the image where no thumbnail exists).
 */
export async function sampleReadUrlFor(
  scope: UserScope,
  datasetId: string,
  sampleId: string,
  type: SampleFileKind,
  baseUrl: string,
  ttlSeconds = SAMPLE_URL_TTL_SECONDS,
): Promise<string> {
  const sample = await getSample(scope, datasetId, sampleId);
  const kinds: SampleFileKind[] = type === 'thumbnail' ? ['thumbnail', 'full'] : ['full'];
  for (const kind of kinds) {
    if ((await findStoredSampleFile(scope.store, datasetId, sample, kind)) !== undefined) {
      return signedSampleFileUrl(scope.store, baseUrl, 'GET', { datasetId, sampleId }, kind, ttlSeconds);
    }
  }
  const localDatasource = await findInputLocalDatasource(scope.store, datasetId);
  if (localDatasource !== undefined) {
    const name = type === 'thumbnail' && sample.thumbName ? sample.thumbName : sample.fileName;
    return signedLocalFileUrl(scope.store, baseUrl, datasetId, name, ttlSeconds);
  }
  return sampleReadUrl(scope, datasetId, sampleId, type);
}

/**
 * Stores what was PUT to a signed write URL: streamed to a temp file, then renamed into place. A full image also gets
 * its thumbnail when the sample has none yet; bytes that are no image are refused (400) and nothing is kept.
 * The sample's `thumbName` is set to the stored thumbnail's name. → the stored file's size in bytes
 */
export async function storeSampleFile(store: Store, ids: { datasetId: string; sampleId: string }, kind: SampleFileKind, body: Readable): Promise<number> {
  const { datasetId, sampleId } = ids;
  const row = await store.db.selectFrom('samples').select(['file_name', 'thumb_name']).where('dataset_id', '=', datasetId).where('id', '=', sampleId).executeTakeFirst();
  if (!row) throw new NotFoundError('sample', sampleId);
  const sample = { fileName: row.file_name, thumbName: row.thumb_name ?? thumbnailName(row.file_name) };
  const target = storedPath(store, datasetId, sample, kind);
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.upload-${process.pid}-${randomBytes(6).toString('hex')}`;
  let bytes: number;
  try {
    bytes = await streamToFile(body, temp, MAX_IMAGE_BYTES, 'the image');
    if (bytes === 0) throw new InvalidInputError({ file: row.file_name }, 'the request has no body: PUT the image bytes');
    // Decoding the image is the check that it is one: a thumbnail is made (and kept when the sample has none yet).
    const thumbnail = await createThumbnail(temp).catch((error: unknown) => {
      throw error instanceof InvalidInputError ? new InvalidInputError({ file: row.file_name }, error.message.replace(/^[^:]*: /, ''), error.code) : error;
    });
    await rename(temp, target);
    if (kind === 'full') {
      const thumbPath = storedPath(store, datasetId, sample, 'thumbnail');
      if ((await stat(thumbPath).catch(() => null)) === null) {
        await mkdir(path.dirname(thumbPath), { recursive: true });
        await writeFile(thumbPath, thumbnail.data);
      }
    }
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (row.thumb_name === null) {
    await store.db.updateTable('samples').set({ thumb_name: sample.thumbName, last_modified_at: Date.now() }).where('id', '=', sampleId).execute();
  }
  await touchDataset(store, datasetId);
  return bytes;
}

/** For the GET route: the stored file to stream, checked to belong to the dataset's sample. */
export async function storedSampleFileForRead(store: Store, ids: { datasetId: string; sampleId: string }, kind: SampleFileKind): Promise<string> {
  const row = await store.db.selectFrom('samples').select(['file_name', 'thumb_name']).where('dataset_id', '=', ids.datasetId).where('id', '=', ids.sampleId).executeTakeFirst();
  if (!row) throw new NotFoundError('sample', ids.sampleId);
  const file = await findStoredSampleFile(store, ids.datasetId, { fileName: row.file_name, thumbName: row.thumb_name }, kind);
  if (file === undefined) throw new NotFoundError(`${kind} image of sample`, ids.sampleId);
  return file;
}
