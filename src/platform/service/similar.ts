import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Index } from 'usearch';
import { loadEmbeddingMatrix, type EmbeddingMatrix } from '../../embeddings';
import { InvalidConfigError, NotFoundError } from '../../errors';
import { buildIndex, newIndex } from '../../health/neighbours';
import type { Store } from '../store/store';
import { getDataset, type UserScope } from './datasets';
import { getEmbedding } from './embeddings';

/** One neighbour of a sample, most similar first. */
export interface SimilarSample {
  sampleId: string;
  fileName: string;
  /** Cosine similarity of the two embeddings (1 = same direction). */
  similarity: number;
}

export interface SimilarSamplesResult {
  embeddingId: string;
  fileName: string;
  neighbours: SimilarSample[];
}

/**
 * A dataset embedding's nearest-neighbour index on disk, beside the store: the usearch HNSW graph (cosine, ANN_SETTINGS, as the
 * health analysis builds it), the raw vectors (so a sample's own vector is one read, not a CSV parse) and the row
 * order. Its files are named after the embedding's last change, so a new CSV upload gets a new index.
 */
interface SimilarityIndex {
  index: Index;
  dim: number;
  fileNames: string[];
  rowOf: Map<string, number>;
  vectorsPath: string;
}

const MAX_K = 100;
/** Open indexes by file stem; one per embedding version, small next to the CSV (i8 graph, memory-mapped). */
const opened = new Map<string, Promise<SimilarityIndex>>();

function indexStem(store: Store, embeddingId: string, version: number): string {
  return path.join(store.home, 'health', 'similar', `${embeddingId}-${version}`);
}

/**
 * Builds the index of an embedding and writes it next to the store (the health job does this with the matrix it has
 * loaded; `findSimilarSamples` builds it on first use when no health job ran). Files are written under temporary names
 * and renamed, so a reader never opens half an index.
 */
export async function writeSimilarityIndex(store: Store, embeddingId: string, version: number, matrix: EmbeddingMatrix): Promise<void> {
  const stem = indexStem(store, embeddingId, version);
  if (existsSync(`${stem}.json`)) return;
  await mkdir(path.dirname(stem), { recursive: true });
  const index = buildIndex(matrix.data, matrix.dim);
  index.save(`${stem}.usearch.tmp`);
  await writeFile(`${stem}.f32.tmp`, new Uint8Array(matrix.data.buffer, matrix.data.byteOffset, matrix.data.byteLength));
  await writeFile(`${stem}.json.tmp`, JSON.stringify({ dim: matrix.dim, fileNames: matrix.fileNames }));
  await rename(`${stem}.usearch.tmp`, `${stem}.usearch`);
  await rename(`${stem}.f32.tmp`, `${stem}.f32`);
  // The record goes last: its presence says the index is complete.
  await rename(`${stem}.json.tmp`, `${stem}.json`);
}

async function openSimilarityIndex(store: Store, embeddingId: string, version: number, csvPath: string): Promise<SimilarityIndex> {
  const stem = indexStem(store, embeddingId, version);
  if (!existsSync(`${stem}.json`)) await writeSimilarityIndex(store, embeddingId, version, await loadEmbeddingMatrix(csvPath));
  const record = JSON.parse(await readFile(`${stem}.json`, 'utf8')) as { dim: number; fileNames: string[] };
  const index = newIndex(record.dim);
  // Memory-mapped, read-only: a 100k × 1,280 graph is not copied into the server's heap.
  index.view(`${stem}.usearch`);
  return { index, dim: record.dim, fileNames: record.fileNames, rowOf: new Map(record.fileNames.map((f, i) => [f, i])), vectorsPath: `${stem}.f32` };
}

async function rowVector(similarity: SimilarityIndex, row: number): Promise<Float32Array> {
  const bytes = similarity.dim * 4;
  const file = await open(similarity.vectorsPath, 'r');
  try {
    const buffer = new Uint8Array(bytes);
    await file.read(buffer, 0, bytes, row * bytes);
    return new Float32Array(buffer.buffer);
  } finally {
    await file.close();
  }
}

/**
 * `GET /v1/datasets/{datasetId}/samples/{sampleId}/similar`: the `k` samples whose embeddings are nearest to this
 * sample's (the dataset's newest embedding unless `embeddingId` is given), from the persistent ANN index.
 *
 * @example
 * await findSimilarSamples(scope, datasetId, sampleId, { k: 3 })
 * // { embeddingId: 'e1', fileName: 'cat.jpg', neighbours: [{ sampleId: 's9', fileName: 'cat_small.jpg', similarity: 0.98 }, …] }
 */
export async function findSimilarSamples(scope: UserScope, datasetId: string, sampleId: string, options: { k?: number; embeddingId?: string } = {}): Promise<SimilarSamplesResult> {
  await getDataset(scope, datasetId);
  const k = options.k ?? 12;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new InvalidConfigError(`k must be an integer in [1, ${MAX_K}], got ${k}`);
  const sample = await scope.store.db.selectFrom('samples').select(['file_name']).where('dataset_id', '=', datasetId).where('id', '=', sampleId).executeTakeFirst();
  if (!sample) throw new NotFoundError('sample', sampleId);
  const embeddingId = options.embeddingId ?? (await newestEmbeddingId(scope.store, datasetId));
  const embedding = await getEmbedding(scope, datasetId, embeddingId);
  if (embedding.filePath === null) throw new InvalidConfigError(`embedding ${JSON.stringify(embedding.name)} has no CSV yet: embed the images first`, 'NO_EMBEDDINGS');
  const version = await embeddingVersion(scope.store, embeddingId);
  const stem = indexStem(scope.store, embeddingId, version);
  let pending = opened.get(stem);
  if (pending === undefined) {
    pending = openSimilarityIndex(scope.store, embeddingId, version, embedding.filePath);
    opened.set(stem, pending);
    pending.catch(() => opened.delete(stem));
  }
  const similarity = await pending;
  const row = similarity.rowOf.get(sample.file_name);
  if (row === undefined) throw new NotFoundError(`embedding row of sample ${JSON.stringify(sample.file_name)}`, sampleId);
  const found = similarity.index.search(await rowVector(similarity, row), Math.min(k + 1, similarity.fileNames.length), 0);
  const names: { fileName: string; similarity: number }[] = [];
  for (let j = 0; j < found.keys.length && names.length < k; j++) {
    const key = Number(found.keys[j]);
    if (key === row) continue;
    names.push({ fileName: similarity.fileNames[key], similarity: Math.round((1 - found.distances[j]) * 10_000) / 10_000 });
  }
  const rows =
    names.length === 0
      ? []
      : await scope.store.db
          .selectFrom('samples')
          .select(['id', 'file_name'])
          .where('dataset_id', '=', datasetId)
          .where('file_name', 'in', names.map((n) => n.fileName))
          .execute();
  const ids = new Map(rows.map((r) => [r.file_name, r.id]));
  return {
    embeddingId,
    fileName: sample.file_name,
    neighbours: names.flatMap((n) => (ids.has(n.fileName) ? [{ sampleId: ids.get(n.fileName) as string, ...n }] : [])),
  };
}

/** The embedding's last change (a CSV upload): names its index files, so an index never outlives its CSV. */
export async function embeddingVersion(store: Store, embeddingId: string): Promise<number> {
  const row = await store.db.selectFrom('embeddings').select('last_modified_at').where('id', '=', embeddingId).executeTakeFirstOrThrow();
  return Number(row.last_modified_at);
}

async function newestEmbeddingId(store: Store, datasetId: string): Promise<string> {
  const row = await store.db
    .selectFrom('embeddings')
    .select('id')
    .where('dataset_id', '=', datasetId)
    .where('is_processed', '=', 1)
    .orderBy('last_modified_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) throw new InvalidConfigError('this dataset has no embeddings: embed the images and upload the embeddings CSV first', 'NO_EMBEDDINGS');
  return row.id;
}
