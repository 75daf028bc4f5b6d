import type { Kysely, Migration } from 'kysely';

/** Dataset sharing (Lightly's collaboration/access), the datasource's processed-until mark and Lightly's score uploads on tags; see sharing-tables.ts. */
export const sharingMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('dataset_access')
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('access_type', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('dataset_access_pk', ['dataset_id', 'user_id'])
      .execute();
    await db.schema.createIndex('dataset_access_user_index').on('dataset_access').column('user_id').execute();
    await db.schema.alterTable('datasets').addColumn('datasource_processed_until', 'bigint').execute();
    await db.schema
      .createTable('tag_scores')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('tag_id', 'text', (c) => c.notNull().references('tags.id').onDelete('cascade'))
      .addColumn('score_type', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('tag_scores_tag_type_unique', ['tag_id', 'score_type'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('tag_scores').ifExists().execute();
    await db.schema.alterTable('datasets').dropColumn('datasource_processed_until').execute();
    await db.schema.dropTable('dataset_access').ifExists().execute();
  },
};
