import type { HealthReport } from '../../health/analyse';
import type { ProgressCallback } from '../../progress';
import type {
  CreatedSample,
  CustomMetadata,
  CustomMetadataUploadResult,
  DatasetCreateRequest,
  DatasetData,
  DatasourceConfigS3,
  DatasourcePermissionsData,
  DatasourcePurpose,
  DatasourceRawSamplesData,
  Embedding2dData,
  EmbeddingData,
  JobStatusData,
  MetadataConfiguration,
  MetadataConfigurationCreateRequest,
  SampleCreateRequest,
  SampleData,
  SampleUpdateRequest,
  SamplingCreateRequest,
  SelectionScore,
  TagArithmeticsRequest,
  TagArithmeticsResponse,
  TagCreateRequest,
  TagData,
} from '../schemas';
import type { PredictionsUploadRequest, PredictionsUploadResult, RoundSamplesData, SampleScoreData, ScoresQuery } from '../prediction-schemas';
import type { ObjectEmbeddingsInfo } from '../service/object-embeddings';

/** Options every long call accepts. */
export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/**
 * The platform as the CLI, n8n nodes and Temporal activities see it. Two implementations behave the same and throw
 * the same named errors (`NotFoundError`, `InvalidInputError`, `InvalidConfigError`, `TransientError`):
 * `createHttpClient({ baseUrl, token })` talks to `winnow serve`, `createEmbeddedClient(store)` to the store in-process.
 * Method names mirror lightly's `ApiWorkflowClient` where one exists.
 */
export interface PlatformClient {
  // ---- datasets ----
  /** Creates a dataset; fails with `CONFLICT` when one of that name exists. → `{ id: '6745…', name, nSamples: 0, … }` */
  createDataset(name: string, options?: Omit<DatasetCreateRequest, 'name'>): Promise<DatasetData>;
  /** Every dataset of the token's user (all pages). */
  getDatasets(): Promise<DatasetData[]>;
  getDatasetById(datasetId: string): Promise<DatasetData>;
  /** Exact name match; `NotFoundError` when there is none. */
  getDatasetByName(name: string): Promise<DatasetData>;
  /** false on 404; every other failure is rethrown. */
  datasetExists(datasetId: string): Promise<boolean>;
  deleteDataset(datasetId: string): Promise<void>;

  // ---- samples ----
  /**
   * Creates samples in the given order, in batches. Idempotent by fileName: an existing fileName returns the existing
   * sample (`created: false`), never a duplicate. → `[{ id, fileName: 'a.jpg', index: 0, created: true }, …]`
   */
  createSamples(datasetId: string, samples: SampleCreateRequest[], options?: CallOptions): Promise<CreatedSample[]>;
  /** Pages through the samples in dataset order. */
  iterateSamples(datasetId: string, options?: { pageSize?: number; signal?: AbortSignal }): AsyncIterable<SampleData>;
  getSampleById(datasetId: string, sampleId: string): Promise<SampleData>;
  updateSampleById(datasetId: string, sampleId: string, update: SampleUpdateRequest): Promise<SampleData>;
  /** File names in dataset order: index k is bit k of every tag bitmask. → `['a.jpg', 'b.jpg', …]` */
  getFilenames(datasetId: string): Promise<string[]>;

  // ---- embeddings ----
  /**
   * Uploads an embeddings CSV (Lightly format) under `name`: writeCSVUrl, then PUT. The server validates it, checks its
   * rows are exactly the dataset's samples and computes 2-D PCA coordinates. Re-uploading a name replaces it. The
   * CSV's model record (`<csv>.model.json`, written by `winnow embed`) goes with it, so the platform knows the model.
   */
  uploadEmbeddings(datasetId: string, csvPath: string, name: string, options?: CallOptions): Promise<EmbeddingData>;
  /** Newest first. */
  getEmbeddings(datasetId: string): Promise<EmbeddingData[]>;
  /** 2-D PCA coordinates in dataset order, for the embedding map. */
  getEmbeddings2d(datasetId: string, embeddingId: string): Promise<Embedding2dData>;
  /** The model id that made an uploaded embedding (e.g. `efficientnet-lite0@a491…`), or null when the upload had none. */
  getEmbeddingModel(datasetId: string, embeddingId: string): Promise<string | null>;

  // ---- custom metadata ----
  /** Sets `customMetaData` of every sample named in the COCO-like file, in one request. */
  uploadCustomMetadata(datasetId: string, customMetadata: CustomMetadata): Promise<CustomMetadataUploadResult>;
  createMetadataConfiguration(datasetId: string, configuration: MetadataConfigurationCreateRequest): Promise<MetadataConfiguration>;
  getMetadataConfigurations(datasetId: string): Promise<MetadataConfiguration[]>;

  // ---- tags ----
  getAllTags(datasetId: string): Promise<TagData[]>;
  getTagById(datasetId: string, tagId: string): Promise<TagData>;
  getTagByName(datasetId: string, name: string): Promise<TagData>;
  /** `prevTagId` defaults to initial-tag. → the new TagData */
  createTagFromBitmask(datasetId: string, request: TagCreateRequest): Promise<TagData>;
  /** Fails naming the first unknown file names; `prevTagId` defaults to initial-tag. */
  createTagFromFilenames(datasetId: string, name: string, fileNames: string[], prevTagId?: string): Promise<TagData>;
  /** UNION / INTERSECTION / DIFFERENCE; makes a tag when `newTagName` is given. → `{ bitMaskData: '0x5', id? }` */
  tagArithmetic(datasetId: string, request: TagArithmeticsRequest): Promise<TagArithmeticsResponse>;
  exportFilenamesByTagId(datasetId: string, tagId: string): Promise<string[]>;
  exportFilenamesByTagName(datasetId: string, name: string): Promise<string[]>;
  deleteTag(datasetId: string, tagId: string): Promise<void>;

  // ---- selection ----
  /** Starts a selection job over an uploaded embedding. → `{ jobId }` */
  startSelection(datasetId: string, embeddingId: string, request: SamplingCreateRequest): Promise<{ jobId: string }>;
  getJob(jobId: string): Promise<JobStatusData>;
  /** Polls until FINISHED or FAILED (throws the job's error on FAILED); reports progress only when it changes. */
  waitForJob(jobId: string, options?: CallOptions & { pollIntervalMs?: number }): Promise<JobStatusData>;
  /** The job's full ranking, best first. */
  getSelectionScores(jobId: string): Promise<SelectionScore[]>;

  // ---- predictions (Winnow extension) ----
  /** Stores Lightly-format predictions per sample and recomputes the tasks' scores; bad images come back in `problems`. */
  uploadPredictions(datasetId: string, request: PredictionsUploadRequest): Promise<PredictionsUploadResult>;
  /**
   * Stores an object-detection task's object-crop embeddings (the CSV `winnow predictions embed-objects` writes), for
   * selection configs with `{ input: { type: 'EMBEDDINGS', task }, strategy: { type: 'DIVERSITY' } }`.
   */
  uploadObjectEmbeddings(datasetId: string, task: string, csvPath: string): Promise<ObjectEmbeddingsInfo>;
  /** Active-learning scores per sample (computed from predictions, or uploaded on a tag), in dataset order. */
  getScores(datasetId: string, query?: ScoresQuery): Promise<SampleScoreData[]>;
  /** A selection tag's round and the samples new in it (not in `sinceTagId`, by default the previous round's tag). */
  getRoundSamples(datasetId: string, tagId: string, sinceTagId?: string): Promise<RoundSamplesData>;
  /** A tag of the `n` best-ranked samples of a finished selection job (for a size slider). */
  createTagFromScores(datasetId: string, request: { jobId: string; name: string; n: number }): Promise<TagData>;

  // ---- health (Winnow extension) ----
  /** Starts a health job (duplicates, outliers, quality issues; tags per finding) over an uploaded embedding. → `{ jobId }` */
  startHealth(datasetId: string, embeddingId: string, request: { options?: Record<string, unknown>; tagPrefix?: string }): Promise<{ jobId: string }>;
  /** The report of a finished health job. */
  getHealthReport(datasetId: string, jobId: string): Promise<HealthReport>;

  // ---- datasources ----
  /** The S3 config without its secret key; `NotFoundError` when none is set. */
  getDatasource(datasetId: string, purpose?: DatasourcePurpose): Promise<DatasourceConfigS3>;
  /** Sets (replaces) the datasource for its purpose (default INPUT_OUTPUT); the secret is stored encrypted. */
  setDatasource(datasetId: string, config: DatasourceConfigS3): Promise<DatasourceConfigS3>;
  verifyDatasource(datasetId: string, purpose?: DatasourcePurpose): Promise<DatasourcePermissionsData>;
  /** One page of the datasource's files with presigned read URLs; pass the returned cursor while `hasMore`. */
  listDatasourceFiles(datasetId: string, options?: { cursor?: string; pageSize?: number; purpose?: DatasourcePurpose }): Promise<DatasourceRawSamplesData>;

  /** Releases what the client holds (the HTTP client: nothing; the embedded client: running jobs). */
  close(): Promise<void>;
}
