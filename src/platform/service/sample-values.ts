import { sql, type Kysely } from 'kysely';
import { flattenCustomMetadata } from '../store/flatten-metadata';
import type { PlatformDatabase } from '../store/schema';
import type { StoreDialect } from '../store/store';

// Value rows per INSERT (5 columns × 500 rows) and samples per DELETE … IN, under both backends' parameter limits.
const INSERT_CHUNK = 500;
const DELETE_CHUNK = 2000;
// Samples written at once from which PostgreSQL's planner statistics are refreshed right away (see below).
const ANALYZE_FROM = 100;

/**
 * Rewrites the sample_values rows (the indexed leaves the sample query filters on) of the given samples from their
 * custom metadata; call it in the transaction that writes `custom_meta_data`. `fresh` skips the delete for samples
 * just inserted; `dialect` lets it refresh PostgreSQL's statistics after a bulk write.
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
  if (options.fresh !== true) {
    for (let i = 0; i < samples.length; i += DELETE_CHUNK) {
      const chunk = samples.slice(i, i + DELETE_CHUNK).map((s) => s.idx);
      await db.deleteFrom('sample_values').where('dataset_id', '=', datasetId).where('sample_idx', 'in', chunk).execute();
    }
  }
  const rows = samples.flatMap((s) => (s.customMetaData === null ? [] : flattenCustomMetadata(s.customMetaData).map((v) => ({ dataset_id: datasetId, sample_idx: s.idx, ...v }))));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await db.insertInto('sample_values').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  // Until autovacuum gets to it, PostgreSQL plans on empty-table statistics (one row per table) and picks nested loops
  // that take seconds even on a few hundred samples: after a bulk write, refresh them (ANALYZE samples rows, ~0.1 s).
  if (options.dialect === 'postgres' && samples.length >= ANALYZE_FROM) await sql`analyze samples, sample_values`.execute(db);
}
