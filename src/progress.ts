/** Progress of a long step, reported to CLI bars, n8n logs and Temporal heartbeats alike. */
export interface Progress {
  /** Units done so far (images, objects, rows, picks). */
  done: number;
  /** Total units when known. */
  total?: number;
  /** Units per second over the run so far. */
  rate?: number;
  /** Seconds left at the current rate, when `total` is known. */
  etaSeconds?: number;
}

export type ProgressCallback = (progress: Progress) => void;

/** Builds a Progress from counts and a start time, so every step computes rate and ETA the same way. */
export function measureProgress(done: number, total: number | undefined, startedAtMs: number, nowMs = Date.now()): Progress {
  const seconds = Math.max((nowMs - startedAtMs) / 1000, 1e-3);
  const rate = done / seconds;
  const progress: Progress = { done, rate };
  if (total !== undefined) {
    progress.total = total;
    if (rate > 0) progress.etaSeconds = Math.max(total - done, 0) / rate;
  }
  return progress;
}
