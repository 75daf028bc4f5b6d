import { sql, type RawBuilder } from 'kysely';
import { InvalidInputError } from '../../errors';

/** The shape of sample-fields.ts's FieldSource (kept structural, so this module needs nothing from the query layer). */
interface PredictionFieldSource {
  value(key: string, as: 'text' | 'number'): RawBuilder<unknown>;
}

/**
 * Sample-query fields of predictions and scores (see sample-fields.ts), read from the denormalised columns
 * `sample_predictions.top_category/top_score` and from `sample_scores`:
 *
 *   prediction:<task>            text    the predicted class name (classification: the class; detection: most frequent object class)
 *   confidence:<task>            number  the highest confidence among that class's predictions (probability or detection score)
 *   score:<task>/<scoreType>     number  an active-learning score; uploaded scores have no task: `score:/uncertainty_entropy`
 *
 * A sample without predictions (or without that score) has no value: it fails every filter on the field.
 */
export const PREDICTION_FIELD_SOURCES: Record<string, PredictionFieldSource> = {
  prediction: {
    value: (task, as) => {
      const top = sql`(select p.top_category from sample_predictions p where p.dataset_id = s.dataset_id and p.task = ${task} and p.sample_idx = s.idx)`;
      return as === 'number' ? sql`null` : top;
    },
  },
  confidence: {
    value: (task, as) => {
      const score = sql`(select p.top_score from sample_predictions p where p.dataset_id = s.dataset_id and p.task = ${task} and p.sample_idx = s.idx)`;
      return as === 'number' ? score : sql`cast(${score} as text)`;
    },
  },
  score: {
    value: (key, as) => {
      const slash = key.lastIndexOf('/');
      if (slash < 0) throw new InvalidInputError({ file: 'body', column: 'field' }, `score field ${JSON.stringify(`score:${key}`)} must be score:<task>/<scoreType>`);
      const value = sql`(select sc.value from sample_scores sc where sc.dataset_id = s.dataset_id and sc.task = ${key.slice(0, slash)} and sc.score_type = ${key.slice(slash + 1)} and sc.sample_idx = s.idx)`;
      return as === 'number' ? value : sql`cast(${value} as text)`;
    },
  },
};
