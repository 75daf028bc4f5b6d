import { sql, type RawBuilder } from 'kysely';
import { InvalidInputError } from '../../errors';

/** The shape of sample-fields.ts's FieldSource (kept structural, so this module needs nothing from the query layer). */
interface PredictionFieldSource {
  rows(key: string, ctx: { datasetId: string }): RawBuilder<unknown>;
  versioned?: boolean;
}

/**
 * Sample-query fields of predictions and scores (see sample-fields.ts): one row per sample that has a value, read
 * from the denormalised columns `sample_predictions.top_category/top_score` (indexed per task) and from `sample_scores`:
 *
 *   prediction:<task>            text    the predicted class name (classification: the class; detection: most frequent object class)
 *   confidence:<task>            number  the highest confidence among that class's predictions (probability or detection score)
 *   score:<task>/<scoreType>     number  an active-learning score; uploaded scores have no task: `score:/uncertainty_entropy`
 *
 * A sample without predictions (or without that score) has no row: it fails every filter on the field. Every write of
 * predictions and scores raises sample_value_versions (predictions.ts), so these fields may be held in memory.
 */
export const PREDICTION_FIELD_SOURCES: Record<string, PredictionFieldSource> = {
  prediction: {
    rows: (task, { datasetId }) =>
      sql`select sample_idx, top_category as text_value, cast(null as double precision) as num_value from sample_predictions where dataset_id = ${datasetId} and task = ${task} and top_category is not null`,
    versioned: true,
  },
  confidence: {
    rows: (task, { datasetId }) =>
      sql`select sample_idx, cast(top_score as text) as text_value, top_score as num_value from sample_predictions where dataset_id = ${datasetId} and task = ${task} and top_score is not null`,
    versioned: true,
  },
  score: {
    rows: (key, { datasetId }) => {
      const slash = key.lastIndexOf('/');
      if (slash < 0) throw new InvalidInputError({ file: 'body', column: 'field' }, `score field ${JSON.stringify(`score:${key}`)} must be score:<task>/<scoreType>`);
      return sql`select sample_idx, cast(value as text) as text_value, value as num_value from sample_scores where dataset_id = ${datasetId} and task = ${key.slice(0, slash)} and score_type = ${key.slice(slash + 1)}`;
    },
    versioned: true,
  },
};
