import { sql, type Kysely, type Migration } from 'kysely';

/**
 * sample_value_counts (see sample-value-tables.ts): how many samples hold each value of each custom metadata path,
 * kept by writeSampleValues in the transaction that writes the values, so Explore's unfiltered filter panel (every
 * facet, extent and histogram of a 100,000-sample dataset) reads a few rows per field instead of a pass over 100,000
 * index entries each (80–200 ms apiece on PostgreSQL). Filled from sample_values as stored.
 */
export const sampleValueCountsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sample_value_counts')
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('path', 'text', (c) => c.notNull())
      // 1 when the value is a number (num_value set): the string '2' and the number 2 are two values.
      .addColumn('is_number', 'integer', (c) => c.notNull())
      .addColumn('text_value', 'text', (c) => c.notNull())
      .addColumn('num_value', 'double precision')
      .addColumn('n', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('sample_value_counts_pk', ['dataset_id', 'path', 'is_number', 'text_value'])
      .execute();
    await sql`
      insert into sample_value_counts (dataset_id, path, is_number, text_value, num_value, n)
      select dataset_id, path, case when num_value is null then 0 else 1 end, text_value, min(num_value), count(*)
      from sample_values group by dataset_id, path, case when num_value is null then 0 else 1 end, text_value`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('sample_value_counts').ifExists().execute();
  },
};
