import type { ProgressCallback } from '../progress';
import type { KeyFilterOptions } from './key-paths';
import type { RetryOptions } from './s3-errors';
import type { S3Settings } from './s3-settings';

/** A key and why it was not synced. */
export interface KeyProblem {
  key: string;
  reason: string;
}

/** What a dry run would do. */
export interface SyncPlan {
  /** Objects to download (S3 → local) or upload (local → S3), and their bytes. */
  transfer: { count: number; bytes: number };
  /** Already up to date. */
  skip: { count: number; bytes: number };
  /** Local files (download) or objects (upload) that `delete` would remove. */
  delete: { count: number };
  /** The first actions, for display; the counts above cover all of them. */
  sample: Array<{ action: 'transfer' | 'delete'; key: string; size?: number }>;
}

/**
 * The outcome of a sync. `listed` counts the keys that passed the filters; each ends up in exactly one of
 * downloaded/uploaded, skipped, failed or refused.
 *
 * @example
 * { listed: 5000, downloaded: 12, uploaded: 0, skipped: 4987, deleted: 0,
 *   failed: [{ key: 'cows/7.jpg', reason: 'network error (ECONNRESET) (after all retries)' }],
 *   refused: [], bytes: 1228800, seconds: 1.84, marker: 'cows/699.jpg' }
 */
export interface SyncResult {
  listed: number;
  downloaded: number;
  uploaded: number;
  skipped: number;
  deleted: number;
  /** Objects that still failed after every retry; a rerun tries them again. */
  failed: KeyProblem[];
  /** Keys that must never be written (path traversal, NUL, too long), reported instead of silently dropped. */
  refused: KeyProblem[];
  /** Bytes transferred (not skipped). */
  bytes: number;
  seconds: number;
  /** Download syncs: every key up to and including this one is done; pass it back as `startAfter` to resume. */
  marker?: string;
  /** Present on dry runs: what would happen; nothing was written. */
  plan?: SyncPlan;
}

/** Options shared by both sync directions. */
export interface SyncCommonOptions extends KeyFilterOptions {
  s3: S3Settings;
  /** Download: remove local files whose key is gone from the bucket. Upload: remove objects whose file is gone. */
  delete?: boolean;
  /** Plan only: list and compare, transfer and delete nothing, and return `plan`. */
  dryRun?: boolean;
  /** Objects in flight at once (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /**
   * Worker threads that run the transfers, so signing, hashing and file I/O use every core (default: one per core,
   * at most 4). 0 runs them in the calling thread, as do the TypeScript sources, which have no worker file to load.
   */
  threads?: number;
  retry?: RetryOptions;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export function emptySyncResult(): SyncResult {
  return { listed: 0, downloaded: 0, uploaded: 0, skipped: 0, deleted: 0, failed: [], refused: [], bytes: 0, seconds: 0 };
}

export function emptyPlan(): SyncPlan {
  return { transfer: { count: 0, bytes: 0 }, skip: { count: 0, bytes: 0 }, delete: { count: 0 }, sample: [] };
}

// Enough lines to show what a dry run would do without printing a million of them.
export const PLAN_SAMPLE_SIZE = 50;

// Transfers wait on the network and the store as much as on the cores: 16 sockets keep a loopback or LAN store busy
// while the transfer threads spend ~1 ms of CPU per 100 KB object (bench/sync); 32 measured no faster.
export const DEFAULT_CONCURRENCY = 16;
