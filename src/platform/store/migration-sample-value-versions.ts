import type { Kysely, Migration } from 'kysely';

/**
 * sample_value_versions (see sample-value-tables.ts): a counter per dataset that writeSampleValues raises in the
 * transaction that rewrites sample_values, so a server holding a field's values in memory (field-columns.ts) knows
 * with one indexed read whether they are still those stored, whichever process wrote them. No row reads as 0.
 */
export const sampleValueVersionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sample_value_versions')
      .addColumn('dataset_id', 'text', (c) => c.primaryKey().references('datasets.id').onDelete('cascade'))
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('sample_value_versions').ifExists().execute();
  },
};
