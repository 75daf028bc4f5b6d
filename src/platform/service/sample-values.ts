import { sql, type Kysely } from 'kysely';
import { flattenCustomMetadata } from '../store/flatten-metadata';
import type { PlatformDatabase } from '../store/schema';
import type { Store, StoreDialect } from '../store/store';

// Value rows per INSERT (5 columns × 500 rows) and samples per DELETE … IN, under both backends' parameter limits.
const INSERT_CHUNK = 500;
const DELETE_CHUNK = 2000;
// Samples written at once from which PostgreSQL's planner statistics are refreshed right away (see below).
const ANALYZE_FROM = 100;
// Samples written at once from which PostgreSQL's tables are vacuumed once the write has committed (see below).
const VACUUM_FROM = 1000;

/**
 * Rewrites the sample_values rows (the indexed leaves the sample query filters on) of the given samples from their
 * custom metadata, moves sample_value_counts by the difference and raises the dataset's sample_value_versions; call
 * it in the transaction that writes `custom_meta_data`. `fresh` skips the delete for samples just inserted;
 * `dialect` lets it refresh PostgreSQL's statistics after a bulk write.
 *
 * @example
 * await writeSampleValues(trx, datasetId, [{ idx: 0, customMetaData: '{"weather":{"temperature":21.5}}' }])
 * // sample_values gains (datasetId, 0, 'weather.temperature', '21.5', 21.5)
 */
export async function writeSampleValues(
  db: Kysely<PlatformDatabase>,
  datasetId: string,
  samples: { idx: number; customMetaData: string | null }[],
  options: { fresh?: boolean; dialect?: StoreDialect } = {},
): Promise<void> {
  const counts = new ValueCountChanges();
  if (options.fresh !== true) {
    for (let i = 0; i < samples.length; i += DELETE_CHUNK) {
      const chunk = samples.slice(i, i + DELETE_CHUNK).map((s) => s.idx);
      const removed = await db
        .deleteFrom('sample_values')
        .where('dataset_id', '=', datasetId)
        .where('sample_idx', 'in', chunk)
        .returning(['path', 'text_value', 'num_value'])
        .execute();
      for (const r of removed) counts.add(r, -1);
    }
  }
  const rows = samples.flatMap((s) => (s.customMetaData === null ? [] : flattenCustomMetadata(s.customMetaData).map((v) => ({ dataset_id: datasetId, sample_idx: s.idx, ...v }))));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await db.insertInto('sample_values').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  for (const r of rows) counts.add(r, 1);
  await counts.apply(db, datasetId);
  await raiseValuesVersion(db, datasetId);
  // Until autovacuum gets to it, PostgreSQL plans on empty-table statistics (one row per table) and picks nested loops
  // that take seconds even on a few hundred samples: after a bulk write, refresh them (ANALYZE samples rows, ~0.1 s).
  if (options.dialect === 'postgres' && samples.length >= ANALYZE_FROM) await sql`analyze samples, sample_values`.execute(db);
}

/**
 * Raises the dataset's sample_value_versions counter: call it in the transaction that writes any field's rows (custom
 * metadata values, predictions, scores), so a server holding the dataset's fields in memory (field-columns.ts) reads
 * them again from its next query on, whichever process wrote them.
 */
export async function raiseValuesVersion(db: Kysely<PlatformDatabase>, datasetId: string): Promise<void> {
  await db
    .insertInto('sample_value_versions')
    .values({ dataset_id: datasetId, version: 1 })
    .onConflict((oc) => oc.column('dataset_id').doUpdateSet({ version: (eb) => eb('sample_value_versions.version', '+', 1) }))
    .execute();
}

/**
 * After a bulk write of samples or their metadata has committed, on PostgreSQL: VACUUM marks the new rows visible to
 * every transaction, so the sample query's index-only scans answer from the indexes. Until autovacuum gets to it
 * (a minute or more), every index entry costs a visit to its table row as well: Explore's filters at 100,000 samples
 * took twice as long right after an upload (measured 460 ms against 220 ms). About 0.1 s per 100,000 samples written;
 * VACUUM cannot run inside a transaction, hence a step of its own.
 */
export async function settleSampleValues(store: Pick<Store, 'db' | 'dialect'>, written: number): Promise<void> {
  if (store.dialect === 'postgres' && written >= VACUUM_FROM) await sql`vacuum (analyze) samples, sample_values, sample_value_counts`.execute(store.db);
}

/** Net changes of sample_value_counts from rows removed and added, applied as one upsert per changed value. */
class ValueCountChanges {
  private readonly changes = new Map<string, { path: string; is_number: number; text_value: string; num_value: number | null; n: number }>();

  add(row: { path: string; text_value: string; num_value: number | null }, n: number): void {
    const isNumber = row.num_value === null ? 0 : 1;
    const key = JSON.stringify([row.path, isNumber, row.text_value]);
    const change = this.changes.get(key);
    if (change === undefined) this.changes.set(key, { path: row.path, is_number: isNumber, text_value: row.text_value, num_value: row.num_value === null ? null : Number(row.num_value), n });
    else change.n += n;
  }

  async apply(db: Kysely<PlatformDatabase>, datasetId: string): Promise<void> {
    // In key order: concurrent writers lock the same count rows in the same order, so they wait rather than deadlock.
    const changed = [...this.changes].filter(([, c]) => c.n !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => ({ dataset_id: datasetId, ...c }));
    if (changed.length === 0) return;
    for (let i = 0; i < changed.length; i += INSERT_CHUNK) {
      await db
        .insertInto('sample_value_counts')
        .values(changed.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) => oc.columns(['dataset_id', 'path', 'is_number', 'text_value']).doUpdateSet({ n: (eb) => eb('sample_value_counts.n', '+', eb.ref('excluded.n')) }))
        .execute();
    }
    // Values no sample holds any more: only the keys that went down can have reached 0.
    const lowered = changed.filter((c) => c.n < 0);
    for (let i = 0; i < lowered.length; i += INSERT_CHUNK) {
      const keys = lowered.slice(i, i + INSERT_CHUNK);
      await db
        .deleteFrom('sample_value_counts')
        .where('dataset_id', '=', datasetId)
        .where('n', '<=', 0)
        .where((eb) => eb(eb.refTuple('path', 'is_number', 'text_value'), 'in', keys.map((k) => eb.tuple(k.path, k.is_number, k.text_value))))
        .execute();
    }
  }
}
