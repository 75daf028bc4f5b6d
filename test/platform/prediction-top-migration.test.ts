import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useMigrationDatabase } from './migration-database';

/** Predictions stored before '0007_prediction_top' gain their predicted class and confidence columns when the store upgrades. */
describe('migration 0007_prediction_top', () => {
  const store = useMigrationDatabase();

  it('backfills top_category/top_score from the stored JSON, for classification and detection', async () => {
    const { db, migrator } = store;
    expect((await migrator.migrateTo('0005_lightly_sharing')).error).toBeUndefined();
    const categories = JSON.stringify([
      { id: 0, name: 'cat' },
      { id: 1, name: 'dog' },
    ]);
    const task = (name: string, task_type: string) => ({ dataset_id: 'd', name, task_type, categories, created_at: 1, last_modified_at: 1 });
    await db.insertInto('prediction_tasks').values([task('pets', 'classification'), task('things', 'object-detection')]).execute();
    const rows = [
      { task: 'pets', sample_idx: 0, predictions: [{ category_id: 1, probabilities: [0.2, 0.8] }] },
      { task: 'things', sample_idx: 0, predictions: [{ category_id: 0, bbox: [0, 0, 2, 2], score: 0.4 }, { category_id: 1, bbox: [1, 1, 2, 2], score: 0.9 }, { category_id: 0, bbox: [3, 3, 2, 2], score: 0.6 }] },
      { task: 'things', sample_idx: 1, predictions: [] },
    ];
    // Inserted as the 0004 schema had them: no top columns yet.
    for (const r of rows) {
      await (db as unknown as Kysely<{ sample_predictions: { dataset_id: string; task: string; sample_idx: number; predictions: string } }>)
        .insertInto('sample_predictions')
        .values({ dataset_id: 'd', task: r.task, sample_idx: r.sample_idx, predictions: JSON.stringify(r.predictions) })
        .execute();
    }
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const after = await db.selectFrom('sample_predictions').select(['task', 'sample_idx', 'top_category', 'top_score']).orderBy('task').orderBy('sample_idx').execute();
    expect(after).toEqual([
      { task: 'pets', sample_idx: 0, top_category: 'dog', top_score: 0.8 },
      // Detection: the most frequent object class (two cats), at its most confident object's score.
      { task: 'things', sample_idx: 0, top_category: 'cat', top_score: 0.6 },
      { task: 'things', sample_idx: 1, top_category: null, top_score: null },
    ]);
  });
});
