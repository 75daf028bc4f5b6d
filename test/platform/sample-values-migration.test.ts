import { describe, expect, it } from 'vitest';
import { useMigrationDatabase } from './migration-database';

/** Custom metadata stored before '0008_sample_values' becomes indexed value rows when the store upgrades. */
describe('migration 0008_sample_values', () => {
  const store = useMigrationDatabase();

  it('writes one row per scalar leaf (numbers also as numbers), none for arrays, nulls or samples without metadata', async () => {
    const { db, migrator } = store;
    expect((await migrator.migrateTo('0007_prediction_top')).error).toBeUndefined();
    const sample = (idx: number, custom: unknown) => ({
      id: `s${idx}`, dataset_id: 'd', idx, file_name: `${idx}.jpg`, thumb_name: null, type: 'IMAGE', exif: null, meta_data: null,
      custom_meta_data: custom === null ? null : JSON.stringify(custom), created_at: 1, last_modified_at: 1,
    });
    await db.insertInto('samples').values([
      sample(0, { weather: { temperature: 21.5, sunny: true }, tags: ['a', 'b'], note: null }),
      sample(1, { weather: { temperature: 3 }, label: 'cat' }),
      sample(2, null),
    ]).execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const rows = await db.selectFrom('sample_values').select(['sample_idx', 'path', 'text_value', 'num_value']).orderBy('sample_idx').orderBy('path').execute();
    expect(rows).toEqual([
      { sample_idx: 0, path: 'weather.sunny', text_value: 'true', num_value: null },
      { sample_idx: 0, path: 'weather.temperature', text_value: '21.5', num_value: 21.5 },
      { sample_idx: 1, path: 'label', text_value: 'cat', num_value: null },
      { sample_idx: 1, path: 'weather.temperature', text_value: '3', num_value: 3 },
    ]);
  });
});

/** Value rows stored before '0009_sample_value_counts' are counted by value when the store upgrades. */
describe('migration 0009_sample_value_counts', () => {
  const store = useMigrationDatabase();

  it('counts the samples of each value per dataset and path, the number 2 and the text "2" apart', async () => {
    const { db, migrator } = store;
    expect((await migrator.migrateTo('0008_sample_values')).error).toBeUndefined();
    const row = (dataset_id: string, sample_idx: number, path: string, text_value: string, num_value: number | null) => ({ dataset_id, sample_idx, path, text_value, num_value });
    await db.insertInto('sample_values').values([
      row('d', 0, 'size', '2', 2),
      row('d', 1, 'size', '2', 2),
      row('d', 2, 'size', '2', null),
      row('d', 0, 'kind', 'cat', null),
      row('e', 0, 'kind', 'cat', null),
    ]).execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const counts = await db.selectFrom('sample_value_counts').selectAll().orderBy('dataset_id').orderBy('path').orderBy('is_number').execute();
    expect(counts.map((c) => ({ ...c, n: Number(c.n) }))).toEqual([
      { dataset_id: 'd', path: 'kind', is_number: 0, text_value: 'cat', num_value: null, n: 1 },
      { dataset_id: 'd', path: 'size', is_number: 0, text_value: '2', num_value: null, n: 1 },
      { dataset_id: 'd', path: 'size', is_number: 1, text_value: '2', num_value: 2, n: 2 },
      { dataset_id: 'e', path: 'kind', is_number: 0, text_value: 'cat', num_value: null, n: 1 },
    ]);
  });
});
