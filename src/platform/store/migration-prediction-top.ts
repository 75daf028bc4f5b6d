import type { Kysely, Migration } from 'kysely';
import { topPrediction, type PredictionSchema, type PredictionSingleton } from '../../predictions';

// Rows per backfill read: a 1000-class prediction is ~10 kB of JSON.
const BACKFILL_PAGE = 500;

interface Tables {
  prediction_tasks: { dataset_id: string; name: string; task_type: string; categories: string };
  sample_predictions: { dataset_id: string; task: string; sample_idx: number | string; predictions: string; top_category: string | null; top_score: number | null };
}

/**
 * Each stored prediction's predicted class and confidence as columns (sample_predictions.top_category/top_score), so
 * sample queries filter and count them with a plain indexed lookup instead of parsing JSON per row. Predictions
 * stored before this migration are backfilled from their JSON.
 */
export const predictionTopMigration: Migration = {
  async up(untyped: Kysely<unknown>): Promise<void> {
    const db = untyped as Kysely<Tables>;
    await db.schema.alterTable('sample_predictions').addColumn('top_category', 'text').execute();
    await db.schema.alterTable('sample_predictions').addColumn('top_score', 'double precision').execute();
    // Explore counts and filters a task's predicted classes: one index range per task.
    await db.schema.createIndex('sample_predictions_top').on('sample_predictions').columns(['dataset_id', 'task', 'top_category']).execute();
    const tasks = await db.selectFrom('prediction_tasks').selectAll().execute();
    for (const task of tasks) {
      const schema = { task_type: task.task_type, categories: JSON.parse(task.categories) } as PredictionSchema;
      for (let after = -1; ; ) {
        const rows = await db
          .selectFrom('sample_predictions')
          .select(['sample_idx', 'predictions'])
          .where('dataset_id', '=', task.dataset_id)
          .where('task', '=', task.name)
          .where('sample_idx', '>', after)
          .orderBy('sample_idx')
          .limit(BACKFILL_PAGE)
          .execute();
        for (const r of rows) {
          const top = topPrediction({ file_name: '', predictions: JSON.parse(r.predictions) as PredictionSingleton[] }, schema);
          if (top === undefined) continue;
          await db
            .updateTable('sample_predictions')
            .set({ top_category: top.category, top_score: top.confidence })
            .where('dataset_id', '=', task.dataset_id)
            .where('task', '=', task.name)
            .where('sample_idx', '=', r.sample_idx)
            .execute();
        }
        if (rows.length < BACKFILL_PAGE) break;
        after = Number(rows[rows.length - 1].sample_idx);
      }
    }
  },
  async down(untyped: Kysely<unknown>): Promise<void> {
    await untyped.schema.dropIndex('sample_predictions_top').ifExists().execute();
    await untyped.schema.alterTable('sample_predictions').dropColumn('top_score').execute();
    await untyped.schema.alterTable('sample_predictions').dropColumn('top_category').execute();
  },
};
