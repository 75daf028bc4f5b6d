/**
 * Tables of model predictions and active-learning scores (Lightly's datasource prediction format, stored per sample).
 * Scores computed from predictions and scores uploaded on a tag (`…/tags/{tagId}/scores`) share `sample_scores`:
 * uploaded ones under task "" (no task).
 */
export interface PredictionTasksTable {
  dataset_id: string;
  name: string;
  /** `classification` or `object-detection`. */
  task_type: string;
  /** `[{ id, name }]` as JSON. */
  categories: string;
  created_at: number | string;
  last_modified_at: number | string;
}

export interface SamplePredictionsTable {
  dataset_id: string;
  task: string;
  sample_idx: number | string;
  /** The image's `predictions` list, as JSON (Lightly's singleton format). */
  predictions: string;
  /** The predicted class's name (classification: the class; detection: the most frequent object class), null without predictions. */
  top_category: string | null;
  /** The highest confidence among the predictions of that class (probability or detection score). */
  top_score: number | null;
}

export interface SampleScoresTable {
  dataset_id: string;
  /** The prediction task, or "" for scores uploaded without one. */
  task: string;
  /** Lightly's score name, e.g. `uncertainty_entropy`. */
  score_type: string;
  sample_idx: number | string;
  value: number;
}

export interface PredictionTables {
  prediction_tasks: PredictionTasksTable;
  sample_predictions: SamplePredictionsTable;
  sample_scores: SampleScoresTable;
}
