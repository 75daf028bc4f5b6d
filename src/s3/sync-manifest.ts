import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { STATE_DIR } from './key-paths';

/**
 * The part of better-sqlite3 the manifest uses, declared here so this folder depends on a small port rather than on
 * the vendor's full typings (the platform store does the same).
 */
interface SqliteStatement<P extends unknown[], R> {
  get(...params: P): R | undefined;
  run(...params: P): unknown;
}
interface SqliteDatabase {
  exec(sql: string): unknown;
  pragma(source: string): unknown;
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): SqliteStatement<P, R>;
  close(): unknown;
  readonly inTransaction: boolean;
}
type SqliteConstructor = new (filename: string, options?: { readonly?: boolean }) => SqliteDatabase;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- typed through the port above
const Database = require('better-sqlite3') as SqliteConstructor;

/** What the manifest remembers about a downloaded object and the file it became. */
export interface ManifestEntry {
  size: number;
  etag: string;
  /** The local file's mtime right after the download; a different one means someone changed the file. */
  mtimeMs: number;
}

export const MANIFEST_FILE = 'sync-manifest.sqlite';

// Writes are grouped into one transaction per this many rows (or per `commit()`): a commit per downloaded object
// cost ~45 µs of the main thread's CPU, a tenth of the whole per-object budget on two cores.
const ROWS_PER_COMMIT = 500;

/**
 * The local record of what a download sync wrote, kept in `<target>/.winnow/sync-manifest.sqlite`, so a resync
 * compares size and ETag without hashing files, and `delete` knows which keys the current listing saw.
 * SQLite rather than a JSON file: lookups and the seen-set stay on disk, so a bucket of millions of keys does not
 * have to fit in memory, and a killed process leaves a consistent file. Writes are committed in batches: a killed
 * process loses at most the last batch of records, and the next sync re-checks those files by hashing them.
 */
export class SyncManifest {
  readonly #db: SqliteDatabase;
  readonly #get: SqliteStatement<[string], { size: number; etag: string; mtime_ms: number }>;
  readonly #put: SqliteStatement<[string, number, string, number], unknown> | undefined;
  readonly #remove: SqliteStatement<[string], unknown> | undefined;
  readonly #see: SqliteStatement<[string], unknown>;
  readonly #seen: SqliteStatement<[string], { one: number }>;
  #uncommitted = 0;

  private constructor(db: SqliteDatabase, writable: boolean) {
    this.#db = db;
    if (writable) {
      db.exec(`CREATE TABLE IF NOT EXISTS objects (
        key TEXT PRIMARY KEY, size INTEGER NOT NULL, etag TEXT NOT NULL, mtime_ms REAL NOT NULL) WITHOUT ROWID`);
    }
    const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'objects'`).get() !== undefined;
    if (!hasTable) db.exec(`CREATE TEMP TABLE objects (key TEXT PRIMARY KEY, size INTEGER, etag TEXT, mtime_ms REAL) WITHOUT ROWID`);
    // The seen-set lives in SQLite's temp store (spilled to disk when large), one per run, never persisted.
    db.exec(`CREATE TEMP TABLE seen (key TEXT PRIMARY KEY) WITHOUT ROWID`);
    this.#get = db.prepare('SELECT size, etag, mtime_ms FROM objects WHERE key = ?');
    this.#put = writable
      ? db.prepare('INSERT INTO objects (key, size, etag, mtime_ms) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET size = excluded.size, etag = excluded.etag, mtime_ms = excluded.mtime_ms')
      : undefined;
    this.#remove = writable ? db.prepare('DELETE FROM objects WHERE key = ?') : undefined;
    this.#see = db.prepare('INSERT OR IGNORE INTO seen (key) VALUES (?)');
    this.#seen = db.prepare('SELECT 1 AS one FROM seen WHERE key = ?');
  }

  /**
   * Opens (creating when needed) the manifest of a target folder. A dry run opens it read-only, or an empty
   * in-memory one when the folder has none yet, so planning never writes.
   */
  static open(targetDir: string, options: { readonly?: boolean } = {}): SyncManifest {
    const file = path.join(targetDir, STATE_DIR, MANIFEST_FILE);
    if (options.readonly) {
      return new SyncManifest(existsSync(file) ? new Database(file, { readonly: true }) : new Database(':memory:'), false);
    }
    mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // WAL with NORMAL sync survives a killed process; only an OS crash may lose the last entries, which the next
    // sync then re-checks against the files themselves.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    return new SyncManifest(db, true);
  }

  get(key: string): ManifestEntry | undefined {
    const row = this.#get.get(key);
    return row && { size: row.size, etag: row.etag, mtimeMs: row.mtime_ms };
  }

  record(key: string, entry: ManifestEntry): void {
    if (!this.#put) return;
    this.#begin();
    this.#put.run(key, entry.size, entry.etag, entry.mtimeMs);
    this.#wrote();
  }

  forget(key: string): void {
    if (!this.#remove) return;
    this.#begin();
    this.#remove.run(key);
    this.#wrote();
  }

  /** Notes that the current listing contains `key`. */
  markSeen(key: string): void {
    this.#begin();
    this.#see.run(key);
    this.#wrote();
  }

  /** Makes the writes so far durable (as far as `synchronous = NORMAL` goes); call before reporting a checkpoint. */
  commit(): void {
    if (this.#db.inTransaction) this.#db.exec('COMMIT');
    this.#uncommitted = 0;
  }

  #begin(): void {
    if (!this.#db.inTransaction) this.#db.exec('BEGIN');
  }

  #wrote(): void {
    if (++this.#uncommitted >= ROWS_PER_COMMIT) this.commit();
  }

  wasSeen(key: string): boolean {
    return this.#seen.get(key) !== undefined;
  }

  close(): void {
    this.commit();
    this.#db.close();
  }
}
