import type { ColumnType } from 'kysely';
import type { PredictionTables } from './prediction-tables';
import type { SampleValueTables } from './sample-value-tables';
import type { SharingTables } from './sharing-tables';

/**
 * Table types of the platform store. JSON columns are TEXT on both backends (one set of migrations), and times are
 * epoch milliseconds in BIGINT columns (pg returns them as strings, hence `number | string` on reads).
 */
type Millis = ColumnType<number | string, number, number>;
type Count = ColumnType<number | string, number, number>;

export interface UsersTable {
  id: string;
  name: string;
  created_at: Millis;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** sha256 hex of the token; the token itself is shown once and never stored. */
  token_hash: string;
  /** First characters of the token so a user can tell tokens apart in `winnow token list`. */
  prefix: string;
  created_at: Millis;
  last_used_at: Millis | null;
  revoked_at: Millis | null;
}

export interface DatasetsTable {
  id: string;
  user_id: string;
  name: string;
  type: string;
  img_type: string;
  n_samples: Count;
  created_at: Millis;
  last_modified_at: Millis;
  /** Lightly's datasourceProcessedUntilTimestamp (unix seconds); null until a client sets it. */
  datasource_processed_until: ColumnType<number | string | null, number | null | undefined, number | null>;
}

export interface SamplesTable {
  id: string;
  dataset_id: string;
  /** Position in dataset order: bit `idx` of every tag bitmask is this sample. */
  idx: Count;
  file_name: string;
  thumb_name: string | null;
  type: string;
  exif: string | null;
  meta_data: string | null;
  custom_meta_data: string | null;
  created_at: Millis;
  last_modified_at: Millis;
}

export interface EmbeddingsTable {
  id: string;
  dataset_id: string;
  name: string;
  /** Path of the CSV relative to the platform home; null until the CSV has been uploaded. */
  file_path: string | null;
  dim: Count | null;
  row_count: Count | null;
  is_processed: Count;
  created_at: Millis;
  last_modified_at: Millis;
}

export interface EmbeddingPointsTable {
  embedding_id: string;
  method: string;
  sample_idx: Count;
  x: number;
  y: number;
}

export interface TagsTable {
  id: string;
  dataset_id: string;
  name: string;
  prev_tag_id: string | null;
  query_tag_id: string | null;
  preselected_tag_id: string | null;
  bit_mask_data: string;
  tot_size: Count;
  creator: string;
  changes: string | null;
  run_id: string | null;
  created_at: Millis;
  last_modified_at: Millis;
}

export interface JobsTable {
  id: string;
  dataset_id: string;
  user_id: string;
  type: string;
  status: string;
  total: Count;
  processed: Count;
  embedding_id: string | null;
  new_tag_name: string | null;
  /** The request as JSON, so a job left WAITING/RUNNING by a stopped server can be run again. */
  request: string;
  error: string | null;
  result_tag_id: string | null;
  created_at: Millis;
  last_modified_at: Millis;
  finished_at: Millis | null;
}

export interface SelectionScoresTable {
  job_id: string;
  /** 0 = most useful. */
  rank: Count;
  sample_idx: Count;
  score: number;
  reason: string | null;
}

export interface DatasourcesTable {
  id: string;
  dataset_id: string;
  purpose: string;
  type: string;
  /** The config without secrets, as JSON. */
  config: string;
  /** AES-256-GCM ciphertext of the secret fields, base64 `iv.tag.data`. */
  secret: string | null;
  created_at: Millis;
  last_modified_at: Millis;
}

export interface MetadataConfigurationsTable {
  id: string;
  dataset_id: string;
  name: string;
  /** `[{ name, path, defaultValue, valueDataType }]` as JSON. */
  configs: string;
  created_at: Millis;
  last_modified_at: Millis;
}

export interface WebSessionsTable {
  /** sha256 hex of the session id; the id itself lives only in the browser's HttpOnly cookie. */
  id_hash: string;
  user_id: string;
  /** The API token signed in with: revoking it ends its sessions. */
  token_id: string;
  created_at: Millis;
  last_seen_at: Millis;
  expires_at: Millis;
}

export interface PlatformDatabase extends PredictionTables, SharingTables, SampleValueTables {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  datasets: DatasetsTable;
  samples: SamplesTable;
  embeddings: EmbeddingsTable;
  embedding_points: EmbeddingPointsTable;
  tags: TagsTable;
  jobs: JobsTable;
  selection_scores: SelectionScoresTable;
  datasources: DatasourcesTable;
  metadata_configurations: MetadataConfigurationsTable;
  web_sessions: WebSessionsTable;
}
