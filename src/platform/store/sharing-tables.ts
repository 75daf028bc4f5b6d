import type { ColumnType } from 'kysely';

/** Users a dataset is shared with (Lightly's collaboration/access): they read and write it; only its owner shares or deletes. */
export interface DatasetAccessTable {
  dataset_id: string;
  user_id: string;
  /** Lightly's SharedAccessType; `WRITE` is the only one it has. */
  access_type: string;
  created_at: ColumnType<number | string, number, number>;
}

/**
 * Lightly's score uploads on a tag (`POST …/tags/{tagId}/scores`): the id and name of each upload. The values live
 * per sample in `sample_scores` (task "") with the computed prediction scores, where selection reads them.
 */
export interface TagScoresTable {
  id: string;
  dataset_id: string;
  tag_id: string;
  score_type: string;
  created_at: ColumnType<number | string, number, number>;
}

export interface SharingTables {
  dataset_access: DatasetAccessTable;
  tag_scores: TagScoresTable;
}
