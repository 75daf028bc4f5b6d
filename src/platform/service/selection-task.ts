import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadEmbeddingMatrix, type EmbeddingMatrix } from '../../embeddings';
import { WinnowError } from '../../errors';
import type { Progress } from '../../progress';
import { selectSamples, type SelectionConfig } from '../../select';

/** Everything one selection needs, as plain data (it crosses into a worker thread). */
export interface SelectionTask {
  csvPath: string;
  /** Candidate pool as file names (a query tag plus the preselected samples); all rows when absent. */
  pool?: string[];
  metadata: [string, Record<string, unknown>][];
  config: SelectionConfig;
  preselected: string[];
  /** Name for error locations, e.g. the embedding's name. */
  source: string;
}

export interface SelectionTaskResult {
  ranking: { fileName: string; score: number; reason: unknown }[];
  selected: string[];
}

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
    config: task.config,
    preselected: task.preselected,
    source: task.source,
    onProgress,
  });
  return { ranking: result.ranking.map((r) => ({ fileName: r.fileName, score: r.score, reason: r.reason })), selected: result.selected };
}

// The compiled worker entry beside this file; under ts sources (tests) there is none and selection runs in-thread.
const WORKER_FILE = path.join(__dirname, 'selection-worker.js');

/**
 * Runs a selection in a worker thread when the package is compiled, so a long greedy scan never stalls the server's
 * event loop (a 20k × 32 coreset of 1,000 held it for ~5 s in-thread). Errors keep their message and code.
 */
export async function runSelectionTaskOffThread(task: SelectionTask, onProgress?: (p: Progress) => void): Promise<SelectionTaskResult> {
  if (!__filename.endsWith('.js') || !existsSync(WORKER_FILE)) return runSelectionTask(task, onProgress);
  return new Promise<SelectionTaskResult>((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, { workerData: task });
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.progress);
      else if (message.type === 'result') {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(new WinnowError(message.message, { code: message.code }));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the selection worker stopped (exit code ${code}) before answering`));
    });
  });
}

export type WorkerMessage =
  | { type: 'progress'; progress: Progress }
  | { type: 'result'; result: SelectionTaskResult }
  | { type: 'error'; message: string; code: string };

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
