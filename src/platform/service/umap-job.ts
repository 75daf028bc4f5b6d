import { loadEmbeddingMatrix } from '../../embeddings';
import { InvalidConfigError } from '../../errors';
import type { Progress } from '../../progress';
import type { Store } from '../store/store';
import type { UserScope } from './datasets';
import { getEmbedding } from './embeddings';
import { computeUmap2dOffThread } from './off-thread';
import { queueJob } from './queue-job';
import { num } from './rows';
import { loadFileNames } from './samples';
import { UMAP_MAX_POINTS } from './umap';

const POINTS_CHUNK = 1000;

/**
 * `POST …/embeddings/{embeddingId}/2d/umap`: queues a job that computes the embedding's UMAP map in the platform's
 * worker thread (PCA is computed on upload; UMAP takes minutes at 100,000 samples, so it is a job with progress).
 * → `{ jobId }`; `GET …/2d?method=UMAP` answers once it has FINISHED.
 */
export async function startUmap(scope: UserScope, runner: { enqueue(jobId: string): void }, datasetId: string, embeddingId: string): Promise<{ jobId: string }> {
  const embedding = await getEmbedding(scope, datasetId, embeddingId);
  if (!embedding.isProcessed) throw new InvalidConfigError(`embedding ${JSON.stringify(embedding.name)} has no uploaded CSV yet: embed the images first`, 'NO_EMBEDDINGS');
  const row = await scope.store.db.selectFrom('embeddings').select('row_count').where('id', '=', embeddingId).executeTakeFirstOrThrow();
  const rows = num(row.row_count);
  if (rows > UMAP_MAX_POINTS) {
    throw new InvalidConfigError(`UMAP maps are computed for up to ${UMAP_MAX_POINTS.toLocaleString('en')} samples, this embedding has ${rows.toLocaleString('en')}: use the PCA map`);
  }
  return queueJob(scope, runner, { datasetId, type: 'EMBEDDING_2D', total: rows, embeddingId, newTagName: '', request: { method: 'UMAP' } });
}

/** Runs one UMAP job (called by the platform's JobRunner): computes the map and replaces the embedding's UMAP points. */
export async function runUmapJob(store: Store, job: { dataset_id: string; user_id: string; embedding_id: string | null }, onProgress?: (p: Progress) => void): Promise<void> {
  const scope: UserScope = { store, userId: job.user_id };
  const embedding = await getEmbedding(scope, job.dataset_id, job.embedding_id ?? '');
  if (embedding.filePath === null) throw new InvalidConfigError(`embedding ${embedding.name} has no CSV: embed the images first`, 'NO_EMBEDDINGS');
  const matrix = await loadEmbeddingMatrix(embedding.filePath);
  const position = new Map((await loadFileNames(store, job.dataset_id)).map((name, i) => [name, i]));
  const { x, y } = await computeUmap2dOffThread(matrix, onProgress);
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('embedding_points').where('embedding_id', '=', embedding.id).where('method', '=', 'UMAP').execute();
    for (let start = 0; start < matrix.fileNames.length; start += POINTS_CHUNK) {
      const values = [];
      for (let r = start; r < Math.min(start + POINTS_CHUNK, matrix.fileNames.length); r++) {
        const sampleIdx = position.get(matrix.fileNames[r]);
        if (sampleIdx !== undefined) values.push({ embedding_id: embedding.id, method: 'UMAP', sample_idx: sampleIdx, x: x[r], y: y[r] });
      }
      if (values.length > 0) await trx.insertInto('embedding_points').values(values).execute();
    }
  });
}
