import type { Kysely, Migration } from 'kysely';

/** Prediction tasks, per-sample predictions and per-sample scores (see prediction-tables.ts); portable column types only. */
export const predictionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('prediction_tasks')
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('task_type', 'text', (c) => c.notNull())
      .addColumn('categories', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('prediction_tasks_pk', ['dataset_id', 'name'])
      .execute();
    await db.schema
      .createTable('sample_predictions')
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('task', 'text', (c) => c.notNull())
      .addColumn('sample_idx', 'integer', (c) => c.notNull())
      .addColumn('predictions', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sample_predictions_pk', ['dataset_id', 'task', 'sample_idx'])
      .execute();
    await db.schema
      .createTable('sample_scores')
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('task', 'text', (c) => c.notNull())
      .addColumn('score_type', 'text', (c) => c.notNull())
      .addColumn('sample_idx', 'integer', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addPrimaryKeyConstraint('sample_scores_pk', ['dataset_id', 'task', 'score_type', 'sample_idx'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['sample_scores', 'sample_predictions', 'prediction_tasks']) await db.schema.dropTable(table).ifExists().execute();
  },
};
