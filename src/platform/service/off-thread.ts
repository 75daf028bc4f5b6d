import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadEmbeddingMatrix, type EmbeddingMatrix } from '../../embeddings';
import { WinnowError, type ErrorCode } from '../../errors';
import type { Progress } from '../../progress';
import { selectSamples, type SelectionConfig } from '../../select';
import { computePca2d } from './pca';
import { computeUmap2d } from './umap';
import type { ObjectEmbeddingsByTask } from '../../select/object-diversity';

/**
 * CPU-heavy platform work (selection, PCA) runs in a worker thread when the package is compiled, so a long greedy
 * scan or power iteration never stalls the server's event loop: a 20k × 32 coreset of 1,000 held it for ~5 s
 * in-thread, 0.12 s from a worker. Under the TypeScript sources (tests) there is no worker file and it runs in-thread.
 */

/** Everything one selection needs, as plain data (it crosses into a worker thread). */
export interface SelectionTask {
  csvPath: string;
  /** Candidate pool as file names (a query tag plus the preselected samples); all rows when absent. */
  pool?: string[];
  metadata: [string, Record<string, unknown>][];
  /** SCORES and PREDICTIONS inputs per file name (stored scores and predictions; see service/predictions.ts). */
  scores?: [string, Record<string, unknown>][];
  predictions?: [string, Record<string, unknown>][];
  /** Object-embedding CSVs by detection task, for object-level DIVERSITY (see service/object-embeddings.ts). */
  objectEmbeddings?: Record<string, string>;
  config: SelectionConfig;
  preselected: string[];
  /** Name for error locations, e.g. the embedding's name. */
  source: string;
}

export interface SelectionTaskResult {
  ranking: { fileName: string; score: number; reason: unknown }[];
  selected: string[];
}

export type WorkerRequest =
  | { kind: 'selection'; task: SelectionTask }
  | { kind: 'pca'; data: Float32Array; dim: number; rows: number }
  | { kind: 'umap'; data: Float32Array; dim: number; rows: number };

export type WorkerMessage =
  | { type: 'progress'; progress: Progress }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string; code: ErrorCode };

/**
 * Runs a selection in this thread: loads the CSV, narrows it to the pool, calls the selection engine.
 * → `{ ranking: [{ fileName: 'img_3.jpg', score: 0.91, reason: { strategies: { DIVERSITY: 0.91 } } }, …], selected: ['img_3.jpg', …] }`
 */
export async function runSelectionTask(task: SelectionTask, onProgress?: (p: Progress) => void): Promise<SelectionTaskResult> {
  const full = await loadEmbeddingMatrix(task.csvPath);
  const matrix = task.pool === undefined ? full : subMatrix(full, new Set(task.pool));
  const result = await selectSamples({
    embeddings: matrix,
    metadata: new Map(task.metadata),
    scores: task.scores === undefined ? undefined : new Map(task.scores),
    predictions: task.predictions === undefined ? undefined : new Map(task.predictions),
    objectEmbeddings: task.objectEmbeddings === undefined ? undefined : await loadObjectEmbeddings(task.objectEmbeddings),
    config: task.config,
    preselected: task.preselected,
    source: task.source,
    onProgress,
  });
  return { ranking: result.ranking.map((r) => ({ fileName: r.fileName, score: r.score, reason: r.reason })), selected: result.selected };
}

async function loadObjectEmbeddings(files: Record<string, string>): Promise<ObjectEmbeddingsByTask> {
  const out: ObjectEmbeddingsByTask = {};
  for (const [task, file] of Object.entries(files)) out[task] = { objects: await loadEmbeddingMatrix(file), source: `${task}.csv` };
  return out;
}

/** Does one request in this thread (the worker calls this too). */
export async function runRequest(request: WorkerRequest, onProgress?: (p: Progress) => void): Promise<unknown> {
  if (request.kind === 'selection') return runSelectionTask(request.task, onProgress);
  if (request.kind === 'umap') {
    const { x, y } = await computeUmap2d(request, { onProgress });
    return { x, y };
  }
  const { x, y } = computePca2d({ data: request.data, dim: request.dim, rows: request.rows });
  return { x, y };
}

// The compiled worker entry beside this file.
const WORKER_FILE = path.join(__dirname, 'platform-worker.js');

async function runOffThread<T>(request: WorkerRequest, onProgress?: (p: Progress) => void): Promise<T> {
  if (!__filename.endsWith('.js') || !existsSync(WORKER_FILE)) return (await runRequest(request, onProgress)) as T;
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, { workerData: request });
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') {
        onProgress?.(message.progress);
        return;
      }
      settled = true;
      if (message.type === 'result') resolve(message.result as T);
      else reject(new WinnowError(message.message, { code: message.code }));
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the platform worker stopped (exit code ${code}) before answering`));
    });
  });
}

/** A selection task, off the event loop when compiled. */
export function runSelectionOffThread(task: SelectionTask, onProgress?: (p: Progress) => void): Promise<SelectionTaskResult> {
  return runOffThread<SelectionTaskResult>({ kind: 'selection', task }, onProgress);
}

/**
 * 2-D PCA of a loaded matrix, off the event loop when compiled. The matrix is copied into shared memory once so the
 * worker reads it without a second copy.
 */
export function computePca2dOffThread(matrix: EmbeddingMatrix): Promise<{ x: Float64Array; y: Float64Array }> {
  return runOffThread({ kind: 'pca', data: sharedCopy(matrix.data), dim: matrix.dim, rows: matrix.fileNames.length });
}

/** The matrix in shared memory (once), so a worker thread reads it without a second copy. */
function sharedCopy(data: Float32Array): Float32Array {
  if (data.buffer instanceof SharedArrayBuffer || !__filename.endsWith('.js')) return data;
  const shared = new Float32Array(new SharedArrayBuffer(data.length * 4));
  shared.set(data);
  return shared;
}

/** 2-D UMAP of a loaded matrix (minutes for 100,000 rows), off the event loop when compiled; see computeUmap2d. */
export function computeUmap2dOffThread(matrix: EmbeddingMatrix, onProgress?: (p: Progress) => void): Promise<{ x: Float64Array; y: Float64Array }> {
  return runOffThread({ kind: 'umap', data: sharedCopy(matrix.data), dim: matrix.dim, rows: matrix.fileNames.length }, onProgress);
}

/** The rows of `matrix` whose file is in `pool`, in matrix order. */
function subMatrix(matrix: EmbeddingMatrix, pool: Set<string>): EmbeddingMatrix {
  const rows: number[] = [];
  matrix.fileNames.forEach((name, r) => {
    if (pool.has(name)) rows.push(r);
  });
  const data = new Float32Array(rows.length * matrix.dim);
  const labels = new Int32Array(rows.length);
  rows.forEach((r, k) => {
    data.set(matrix.data.subarray(r * matrix.dim, (r + 1) * matrix.dim), k * matrix.dim);
    labels[k] = matrix.labels[r];
  });
  return { fileNames: rows.map((r) => matrix.fileNames[r]), labels, dim: matrix.dim, data };
}
