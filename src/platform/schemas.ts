import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { CustomMetadata as MetadataFile } from '../metadata';

/**
 * The platform's wire shapes, following Lightly's v1 API models (camelCase JSON fields) where one exists.
 * These TypeBox schemas validate requests in the server, generate `/openapi.json` and type the client — one source.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.String({ minLength: 1, maxLength: 64, description: '24 hex characters, like Lightly\'s ObjectIds' });
const Millis = Type.Integer({ description: 'Unix time in milliseconds' });
const FreeObject = Type.Record(Type.String(), Type.Unknown());

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'Stable machine-readable code, e.g. NOT_FOUND, INVALID_INPUT, UNAUTHORIZED' }),
    error: Type.String({ description: 'What went wrong, naming the field; never contains a secret' }),
  },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const CreateEntityResponse = Type.Object({ id: Id }, { $id: 'CreateEntityResponse' });
export type CreateEntityResponse = Static<typeof CreateEntityResponse>;

export const Pagination = Type.Object({
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 25000, description: 'Items per page (default: all)' })),
  pageOffset: Type.Optional(Type.Integer({ minimum: 0, description: 'Item offset (page index × pageSize)' })),
});
export type Pagination = Static<typeof Pagination>;

// ---- datasets ----

export const DatasetType = Type.Union([Type.Literal('Images'), Type.Literal('Videos'), Type.Literal('Crops')]);
export const ImgType = Type.Union([Type.Literal('full'), Type.Literal('thumbnail'), Type.Literal('meta')]);
export type ImgType = Static<typeof ImgType>;

export const DatasetCreateRequest = Type.Object(
  {
    name: Type.String({ minLength: 3, maxLength: 255, pattern: '^[^/\\\\]+$' }),
    type: Type.Optional(DatasetType),
    imgType: Type.Optional(ImgType),
    creator: Type.Optional(Type.String()),
  },
  { $id: 'DatasetCreateRequest' },
);
export type DatasetCreateRequest = Static<typeof DatasetCreateRequest>;

export const DatasetData = Type.Object(
  {
    id: Id,
    name: Type.String(),
    userId: Type.String(),
    accessType: Type.Optional(Type.Literal('WRITE', { description: "Lightly's SharedAccessType: set on datasets shared with the caller" })),
    type: DatasetType,
    imgType: ImgType,
    nSamples: Type.Integer(),
    sizeInBytes: Type.Integer(),
    createdAt: Millis,
    lastModifiedAt: Millis,
    datasourceProcessedUntilTimestamp: Type.Optional(Type.Integer({ description: 'Unix time in seconds' })),
  },
  { $id: 'DatasetData', description: "Exactly the fields of Lightly's DatasetData: its client rejects any other" },
);
export type DatasetData = Static<typeof DatasetData>;

// ---- samples ----

export const SampleType = Type.Union([Type.Literal('IMAGE'), Type.Literal('VIDEO_FRAME'), Type.Literal('CROP')]);

export const SampleCreateRequest = Type.Object(
  {
    fileName: Type.String({ minLength: 1, maxLength: 1024 }),
    thumbName: Type.Optional(Nullable(Type.String())),
    type: Type.Optional(SampleType),
    exif: Type.Optional(FreeObject),
    metaData: Type.Optional(FreeObject),
    customMetaData: Type.Optional(Nullable(FreeObject)),
  },
  { $id: 'SampleCreateRequest' },
);
export type SampleCreateRequest = Static<typeof SampleCreateRequest>;

export const SampleBatchCreateRequest = Type.Object(
  { samples: Type.Array(SampleCreateRequest, { maxItems: 100000 }) },
  { $id: 'SampleBatchCreateRequest' },
);
export type SampleBatchCreateRequest = Static<typeof SampleBatchCreateRequest>;

export const CreatedSample = Type.Object(
  {
    id: Id,
    fileName: Type.String(),
    index: Type.Integer({ description: 'Position in dataset order (the bit this sample is in every tag)' }),
    created: Type.Boolean({ description: 'false when a sample with this fileName already existed and was returned' }),
  },
  { $id: 'CreatedSample' },
);
export type CreatedSample = Static<typeof CreatedSample>;

export const SampleUpdateRequest = Type.Object(
  {
    fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    thumbName: Type.Optional(Nullable(Type.String())),
    exif: Type.Optional(FreeObject),
    metaData: Type.Optional(FreeObject),
    customMetaData: Type.Optional(Nullable(FreeObject)),
  },
  { $id: 'SampleUpdateRequest' },
);
export type SampleUpdateRequest = Static<typeof SampleUpdateRequest>;

export const SampleData = Type.Object(
  {
    id: Id,
    type: SampleType,
    datasetId: Id,
    fileName: Type.String(),
    thumbName: Type.Optional(Nullable(Type.String())),
    exif: Type.Optional(FreeObject),
    index: Type.Integer(),
    createdAt: Millis,
    lastModifiedAt: Millis,
    metaData: Type.Optional(FreeObject),
    customMetaData: Type.Optional(Nullable(FreeObject)),
  },
  { $id: 'SampleData' },
);
export type SampleData = Static<typeof SampleData>;

// ---- custom metadata ----

export const CustomMetadata = Type.Object(
  {
    images: Type.Array(
      Type.Object({ id: Type.Union([Type.Integer(), Type.String()]), file_name: Type.String() }, { additionalProperties: true }),
    ),
    metadata: Type.Array(Type.Object({ image_id: Type.Union([Type.Integer(), Type.String()]) }, { additionalProperties: true })),
  },
  { $id: 'CustomMetadata', description: 'The COCO-like custom metadata file Lightly uses' },
);
// The static type is the metadata module's: entries carry any JSON besides image_id, which TypeBox's Static drops.
export type CustomMetadata = MetadataFile;

export const CustomMetadataUploadResult = Type.Object(
  {
    updated: Type.Integer({ description: 'Samples whose customMetaData was set' }),
    skipped: Type.Array(
      Type.Object({ imageId: Type.Union([Type.Integer(), Type.String()]), fileName: Type.String(), reason: Type.String() }),
      { description: 'Images that are not samples of the dataset (the Lightly client skips them with a warning)' },
    ),
    warnings: Type.Array(Type.String(), { description: "The metadata validator's warnings, e.g. images without metadata" }),
  },
  { $id: 'CustomMetadataUploadResult' },
);
export type CustomMetadataUploadResult = Static<typeof CustomMetadataUploadResult>;

export const MetadataValueDataType = Type.Union(
  [
    'NUMERIC_INT',
    'NUMERIC_FLOAT',
    'CATEGORICAL_STRING',
    'CATEGORICAL_INT',
    'CATEGORICAL_BOOLEAN',
    'CATEGORICAL_DATETIME',
    'CATEGORICAL_TIMESTAMP',
    'OTHER_STRING',
  ].map((v) => Type.Literal(v)),
);

export const MetadataConfigurationCreateRequest = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    configs: Type.Array(
      Type.Object({
        name: Type.String({ minLength: 1, description: 'Display name' }),
        path: Type.String({ minLength: 1, description: 'Dotted path into customMetaData, e.g. weather.temperature' }),
        defaultValue: Type.Optional(Type.Unknown({ description: 'Fallback when a sample has no value' })),
        valueDataType: MetadataValueDataType,
      }),
    ),
  },
  { $id: 'MetadataConfigurationCreateRequest' },
);
export type MetadataConfigurationCreateRequest = Static<typeof MetadataConfigurationCreateRequest>;

export const MetadataConfiguration = Type.Intersect(
  [MetadataConfigurationCreateRequest, Type.Object({ id: Id, createdAt: Millis, lastModifiedAt: Millis })],
  { $id: 'MetadataConfiguration' },
);
export type MetadataConfiguration = Static<typeof MetadataConfiguration>;

// ---- embeddings ----

export const EmbeddingData = Type.Object(
  {
    id: Id,
    name: Type.String(),
    isProcessed: Type.Boolean(),
    createdAt: Millis,
    is2d: Type.Boolean(),
  },
  { $id: 'EmbeddingData', description: "Lightly's DatasetEmbeddingData: its client rejects any other field" },
);
export type EmbeddingData = Static<typeof EmbeddingData>;

/** What the signed CSV upload answers (Winnow's; Lightly's client only checks the status): the embedding and its size. */
export const EmbeddingUploadResult = Type.Intersect([EmbeddingData, Type.Object({ dim: Type.Integer(), rowCount: Type.Integer() })], {
  $id: 'EmbeddingUploadResult',
});
export type EmbeddingUploadResult = Static<typeof EmbeddingUploadResult>;

export const WriteCsvUrlData = Type.Object(
  {
    signedWriteUrl: Type.String({ description: 'PUT the CSV here; no token needed, valid for one hour' }),
    embeddingId: Id,
  },
  { $id: 'WriteCsvUrlData' },
);
export type WriteCsvUrlData = Static<typeof WriteCsvUrlData>;

export const Embedding2dData = Type.Object(
  {
    id: Type.String(),
    datasetId: Id,
    embeddingId: Id,
    name: Type.String(),
    createdAt: Millis,
    dimensionalityReductionMethod: Type.Union([Type.Literal('PCA'), Type.Literal('UMAP')]),
    fileNames: Type.Array(Type.String(), { description: 'Dataset order; coordinates follow it' }),
    coordinatesDimension1: Type.Array(Type.Number()),
    coordinatesDimension2: Type.Array(Type.Number()),
  },
  { $id: 'Embedding2dData' },
);
export type Embedding2dData = Static<typeof Embedding2dData>;

// ---- tags ----

export const TagCreator = Type.Union(
  [
    'UNKNOWN',
    'USER_WEBAPP',
    'USER_PIP',
    'USER_PIP_LIGHTLY_MAGIC',
    'USER_WORKER',
    'SAMPLER_ACTIVE_LEARNING',
    'SAMPLER_CORAL',
    'SAMPLER_CORESET',
    'SAMPLER_RANDOM',
  ].map((v) => Type.Literal(v)),
);
export type TagCreator = Static<typeof TagCreator>;

export const TagChangeEntry = Type.Object({
  userId: Type.String(),
  creator: TagCreator,
  ts: Millis,
  changes: FreeObject,
});
export type TagChangeEntry = Static<typeof TagChangeEntry>;

const BitMask = Type.String({ pattern: '^(0x)?[0-9a-fA-F]+$', description: 'Bitmask as base-16 text; bit k = sample k in mapping order' });
const TagName = Type.String({ minLength: 3, maxLength: 255 });

export const TagData = Type.Object(
  {
    id: Id,
    datasetId: Id,
    prevTagId: Nullable(Type.String()),
    queryTagId: Type.Optional(Nullable(Type.String())),
    preselectedTagId: Type.Optional(Nullable(Type.String())),
    name: Type.String(),
    bitMaskData: Type.String(),
    totSize: Type.Integer(),
    createdAt: Millis,
    lastModifiedAt: Millis,
    changes: Type.Array(TagChangeEntry, { description: 'Who made or changed the tag: changes[0].creator made it' }),
    runId: Type.Optional(Nullable(Type.String())),
  },
  { $id: 'TagData', description: "Exactly the fields of Lightly's TagData: its client rejects any other" },
);
export type TagData = Static<typeof TagData>;

export const TagCreateRequest = Type.Object(
  {
    name: TagName,
    prevTagId: Type.Optional(Nullable(Type.String({ description: 'Parent tag; defaults to initial-tag' }))),
    queryTagId: Type.Optional(Type.String()),
    preselectedTagId: Type.Optional(Type.String()),
    bitMaskData: BitMask,
    totSize: Type.Optional(Type.Integer({ minimum: 0 })),
    creator: Type.Optional(TagCreator),
    changes: Type.Optional(FreeObject),
    runId: Type.Optional(Type.String()),
  },
  { $id: 'TagCreateRequest' },
);
export type TagCreateRequest = Static<typeof TagCreateRequest>;

export const TagFromFilenamesRequest = Type.Object(
  {
    name: TagName,
    fileNames: Type.Array(Type.String(), { maxItems: 10_000_000 }),
    prevTagId: Type.Optional(Type.String()),
    creator: Type.Optional(TagCreator),
  },
  { $id: 'TagFromFilenamesRequest' },
);
export type TagFromFilenamesRequest = Static<typeof TagFromFilenamesRequest>;

export const TagArithmeticsOperation = Type.Union([Type.Literal('UNION'), Type.Literal('INTERSECTION'), Type.Literal('DIFFERENCE')]);
export const TagArithmeticsRequest = Type.Object(
  {
    tagId1: Type.String({ minLength: 1 }),
    tagId2: Type.String({ minLength: 1 }),
    operation: TagArithmeticsOperation,
    newTagName: Type.Optional(TagName),
    runId: Type.Optional(Type.String()),
  },
  { $id: 'TagArithmeticsRequest' },
);
export type TagArithmeticsRequest = Static<typeof TagArithmeticsRequest>;

export const TagArithmeticsResponse = Type.Object(
  {
    id: Type.Optional(Id),
    bitMaskData: Type.String(),
  },
  { $id: 'TagArithmeticsResponse', description: 'bitMaskData always; id when newTagName was given and a tag was made' },
);
export type TagArithmeticsResponse = Static<typeof TagArithmeticsResponse>;

export const TagFromScoresRequest = Type.Object(
  {
    jobId: Type.String({ minLength: 1 }),
    name: TagName,
    n: Type.Integer({ minimum: 0, description: 'How many of the best-ranked samples the tag holds' }),
  },
  { $id: 'TagFromScoresRequest' },
);
export type TagFromScoresRequest = Static<typeof TagFromScoresRequest>;

// ---- selection and jobs ----

export const SamplingMethod = Type.Union(['RANDOM', 'CORESET', 'CORAL', 'ACTIVE_LEARNING'].map((v) => Type.Literal(v)));

export const SamplingCreateRequest = Type.Object(
  {
    newTagName: TagName,
    method: Type.Optional(SamplingMethod),
    config: Type.Optional(
      Type.Object({
        stoppingCondition: Type.Optional(
          Type.Object({
            nSamples: Type.Optional(Type.Integer({ minimum: -1, description: 'How many samples to select (a count; -1: no count, stop on minDistance)' })),
            proportionSamples: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Or: this fraction of the samples' })),
            minDistance: Type.Optional(Type.Number()),
          }),
        ),
      }),
    ),
    preselectedTagId: Type.Optional(Type.String()),
    queryTagId: Type.Optional(Type.String()),
    scoreType: Type.Optional(Type.String()),
    rowCount: Type.Optional(Type.Integer()),
    selection: Type.Optional(
      Type.Unknown({ description: "Winnow's selection config (strategies, weights, thresholds, balance); overrides method/config" }),
    ),
  },
  { $id: 'SamplingCreateRequest' },
);
export type SamplingCreateRequest = Static<typeof SamplingCreateRequest>;

export const AsyncTaskData = Type.Object({ jobId: Type.String() }, { $id: 'AsyncTaskData' });
export type AsyncTaskData = Static<typeof AsyncTaskData>;

export const JobState = Type.Union(['UNKNOWN', 'WAITING', 'RUNNING', 'FAILED', 'FINISHED'].map((v) => Type.Literal(v)));
export type JobState = 'UNKNOWN' | 'WAITING' | 'RUNNING' | 'FAILED' | 'FINISHED';

export const JobStatusData = Type.Object(
  {
    id: Type.String(),
    datasetId: Id,
    status: JobState,
    meta: Type.Object({ total: Type.Integer(), processed: Type.Integer() }),
    waitTimeTillNextPoll: Type.Integer({ description: 'Seconds' }),
    createdAt: Millis,
    lastModifiedAt: Millis,
    finishedAt: Type.Optional(Millis),
    error: Type.Optional(Type.String()),
    result: Type.Optional(Type.Object({ type: Type.Literal('SAMPLING'), data: Type.String({ description: 'The new tag id' }) })),
  },
  { $id: 'JobStatusData' },
);
export type JobStatusData = Omit<Static<typeof JobStatusData>, 'status'> & { status: JobState };

export const SelectionScore = Type.Object(
  {
    rank: Type.Integer({ description: '0 = most useful' }),
    index: Type.Integer({ description: 'Sample position in dataset order' }),
    fileName: Type.String(),
    score: Type.Number(),
    reason: Nullable(FreeObject),
  },
  { $id: 'SelectionScore' },
);
export type SelectionScore = Static<typeof SelectionScore>;

// ---- datasources ----

export const DatasourcePurpose = Type.Union([Type.Literal('INPUT_OUTPUT'), Type.Literal('INPUT'), Type.Literal('LIGHTLY')]);
export type DatasourcePurpose = Static<typeof DatasourcePurpose>;

export const DatasourceConfigS3 = Type.Object(
  {
    id: Type.Optional(Type.String()),
    purpose: Type.Optional(DatasourcePurpose),
    type: Type.Literal('S3'),
    fullPath: Type.String({ pattern: '^s3://[^/]+', description: 's3://bucket/prefix/' }),
    thumbSuffix: Type.Optional(Type.String()),
    s3Region: Type.String({ minLength: 1 }),
    s3AccessKeyId: Type.String({ minLength: 1 }),
    s3SecretAccessKey: Type.Optional(Type.String({ minLength: 1, description: 'Write-only: never returned' })),
    s3ServerSideEncryptionKMSKey: Type.Optional(Type.String()),
    s3Endpoint: Type.Optional(Type.String({ description: 'Winnow extension: S3-compatible endpoint such as MinIO' })),
    s3ForcePathStyle: Type.Optional(Type.Boolean({ description: 'Winnow extension: path-style addressing (MinIO)' })),
  },
  { $id: 'DatasourceConfigS3' },
);
export type DatasourceConfigS3 = Static<typeof DatasourceConfigS3>;

export const DatasourceConfigLocal = Type.Object(
  {
    id: Type.Optional(Type.String()),
    purpose: Type.Optional(DatasourcePurpose),
    type: Type.Literal('LOCAL'),
    fullPath: Type.String({ description: "Folder relative to the server's --local-datasource-root, without '://', '.' or '..' parts" }),
    thumbSuffix: Type.Optional(Type.String()),
    webServerLocation: Type.Optional(Type.String({ description: "Lightly's viewer address; Winnow serves the files itself and keeps it only for round trips" })),
  },
  { $id: 'DatasourceConfigLocal' },
);
export type DatasourceConfigLocal = Static<typeof DatasourceConfigLocal>;

/** Datasource types of Lightly's API that Winnow refuses (with a 400 saying which ones it reads). */
export const UNSUPPORTED_DATASOURCE_TYPES = ['GCS', 'AZURE', 'OBS', 'S3DelegatedAccess', 'LIGHTLY'] as const;

export const DatasourcePermissionsData = Type.Object(
  {
    canRead: Type.Boolean(),
    canWrite: Type.Boolean(),
    canList: Type.Boolean(),
    canOverwrite: Type.Boolean(),
    errors: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { $id: 'DatasourcePermissionsData' },
);
export type DatasourcePermissionsData = Static<typeof DatasourcePermissionsData>;

export const DatasourceRawSamplesData = Type.Object(
  {
    hasMore: Type.Boolean(),
    cursor: Type.String(),
    data: Type.Array(Type.Object({ fileName: Type.String(), readUrl: Type.String() })),
  },
  { $id: 'DatasourceRawSamplesData' },
);
export type DatasourceRawSamplesData = Static<typeof DatasourceRawSamplesData>;

// ---- collaboration ----

export const SharedAccessConfigCreateRequest = Type.Object(
  {
    accessType: Type.Literal('WRITE'),
    users: Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000, description: 'Winnow user names' }),
    teams: Type.Optional(Type.Array(Type.String(), { maxItems: 0, description: 'Winnow has no teams' })),
    creator: Type.Optional(Type.String()),
  },
  { $id: 'SharedAccessConfigCreateRequest' },
);
export type SharedAccessConfigCreateRequest = Static<typeof SharedAccessConfigCreateRequest>;

export const SharedAccessConfigData = Type.Object(
  {
    id: Id,
    owner: Type.String({ description: 'User id of the owner' }),
    accessType: Type.Literal('WRITE'),
    users: Type.Array(Type.String()),
    teams: Type.Array(Type.String()),
    createdAt: Millis,
    lastModifiedAt: Millis,
  },
  { $id: 'SharedAccessConfigData' },
);
export type SharedAccessConfigData = Static<typeof SharedAccessConfigData>;

// ---- active-learning scores on tags ----

export const ActiveLearningScoreCreateRequest = Type.Object(
  {
    scoreType: Type.String({ minLength: 1, maxLength: 255, description: 'e.g. uncertainty_entropy' }),
    scores: Type.Array(Type.Number(), { minItems: 1, description: "One per sample of the tag, in dataset order" }),
  },
  { $id: 'ActiveLearningScoreCreateRequest' },
);
export type ActiveLearningScoreCreateRequest = Static<typeof ActiveLearningScoreCreateRequest>;

export const TagActiveLearningScoresData = Type.Object(
  { id: Id, tagId: Id, scoreType: Type.String(), createdAt: Millis },
  { $id: 'TagActiveLearningScoresData' },
);
export type TagActiveLearningScoresData = Static<typeof TagActiveLearningScoresData>;

export const ActiveLearningScoreData = Type.Object(
  { id: Id, tagId: Id, scoreType: Type.String(), scores: Type.Array(Type.Number()), createdAt: Millis },
  { $id: 'ActiveLearningScoreData' },
);
export type ActiveLearningScoreData = Static<typeof ActiveLearningScoreData>;

/** An API token as the token endpoints list it (Winnow extension); the secret is only in the create response, once. */
export const ApiTokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  user: Type.String(),
  prefix: Type.String({ description: 'First characters of the token; the token itself is shown only when created' }),
  createdAt: Type.Integer(),
  lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
});
export type ApiTokenInfo = Static<typeof ApiTokenInfo>;
