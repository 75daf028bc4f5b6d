import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { platformMigrations } from '../../src/platform/store/migrations';
import type { PlatformDatabase } from '../../src/platform/store/schema';
import { createSqliteDatabase } from '../../src/platform/store/sqlite/sqlite-database';

/**
 * Registers a migration test's hooks: a fresh SQLite database with foreign keys off — the rows a test inserts stand
 * alone (no dataset, user or sample rows), only a migration's backfill is under test — destroyed afterwards.
 * → the database, and a Migrator over the platform's migrations to step it from one version to the next
 */
export function useMigrationDatabase(): { readonly db: Kysely<PlatformDatabase>; readonly migrator: Migrator } {
  let db: Kysely<PlatformDatabase> | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'winnow-migration-'));
  beforeAll(async () => {
    db = createSqliteDatabase(path.join(dir, 'winnow.db'));
    await sql`pragma foreign_keys = OFF`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const opened = (): Kysely<PlatformDatabase> => {
    if (db === undefined) throw new Error('the migration database opens in beforeAll: use it inside a test');
    return db;
  };
  return {
    get db() {
      return opened();
    },
    get migrator() {
      return new Migrator({ db: opened(), provider: platformMigrations });
    },
  };
}
