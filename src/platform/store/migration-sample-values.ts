import type { Kysely, Migration } from 'kysely';
import { flattenCustomMetadata } from './flatten-metadata';

// Samples read per backfill step, and value rows per INSERT (5 columns × 500 rows, under both backends' parameter limits).
const READ_CHUNK = 2000;
const INSERT_CHUNK = 500;

/** sample_values (see sample-value-tables.ts) and its indexes; fills it from the custom metadata already stored. */
export const sampleValuesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sample_values')
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('sample_idx', 'integer', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('text_value', 'text', (c) => c.notNull())
      .addColumn('num_value', 'double precision')
      .addPrimaryKeyConstraint('sample_values_pk', ['dataset_id', 'path', 'sample_idx'])
      .execute();
    // Facets and `values` filters; ranges and histograms; rewriting one sample's values.
    await db.schema.createIndex('sample_values_text_index').on('sample_values').columns(['dataset_id', 'path', 'text_value', 'sample_idx']).execute();
    await db.schema.createIndex('sample_values_num_index').on('sample_values').columns(['dataset_id', 'path', 'num_value', 'sample_idx']).execute();
    await db.schema.createIndex('sample_values_sample_index').on('sample_values').columns(['dataset_id', 'sample_idx']).execute();

    const typed = db as Kysely<{ samples: { id: string; dataset_id: string; idx: number; custom_meta_data: string | null } } & { sample_values: Record<string, unknown> }>;
    for (let after = ''; ; ) {
      const rows = await typed
        .selectFrom('samples')
        .select(['id', 'dataset_id', 'idx', 'custom_meta_data'])
        .where('id', '>', after)
        .where('custom_meta_data', 'is not', null)
        .orderBy('id')
        .limit(READ_CHUNK)
        .execute();
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      const values = rows.flatMap((r) => flattenCustomMetadata(r.custom_meta_data).map((v) => ({ dataset_id: r.dataset_id, sample_idx: Number(r.idx), ...v })));
      for (let i = 0; i < values.length; i += INSERT_CHUNK) await typed.insertInto('sample_values').values(values.slice(i, i + INSERT_CHUNK)).execute();
    }
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('sample_values').ifExists().execute();
  },
};
