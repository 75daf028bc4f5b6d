import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { InvalidConfigError, InvalidInputError } from '../errors';
import { parseJsonWithPositions } from '../metadata';
import { DEFAULT_STRATEGY } from '../select/selection-config';
import { decodeUtf8Strict } from '../utf8';

/**
 * The curation pipeline's configuration, shared by `winnow run` (in process) and the Temporal workflow
 * `curationPipeline`. It holds names and references only — credential *profiles*, never keys or tokens — because under
 * Temporal it is a workflow input and so lands in the event history.
 */

/** Credential profile names become env var segments (`WINNOW_PROFILE_<NAME>_…`), hence the narrow alphabet. */
const ProfileName = Type.String({ pattern: '^[A-Za-z0-9_]+$', minLength: 1, maxLength: 64 });

export const S3LocationSchema = Type.Object(
  {
    bucket: Type.String({ minLength: 1 }),
    /** Key prefix, e.g. `images/`; empty means the whole bucket. */
    prefix: Type.Optional(Type.String()),
    /** Credential profile that holds the keys (and may hold endpoint/region); `default` when omitted. */
    profile: Type.Optional(ProfileName),
    /** Overrides the profile's endpoint, e.g. `http://127.0.0.1:9000` for MinIO. Not a secret. */
    endpoint: Type.Optional(Type.String({ minLength: 1 })),
    region: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type S3Location = Static<typeof S3LocationSchema>;

/** Images in a folder on the machine that runs the steps (`winnow run ./photos`, or workers sharing a disk). */
export const LocalFolderSchema = Type.Object({ folder: Type.String({ minLength: 1 }) }, { additionalProperties: false });
export type LocalFolder = Static<typeof LocalFolderSchema>;

/** Whether a source is a local folder rather than a bucket location. */
export function isFolderSource(source: S3Location | LocalFolder): source is LocalFolder {
  return 'folder' in source;
}

export const EmbedOptionsSchema = Type.Object(
  {
    /** Path of an ONNX model; the embed engine's default model when omitted. */
    model: Type.Optional(Type.String({ minLength: 1 })),
    /** Config of a custom ONNX model (input size, layout, mean/std, output), as `winnow embed --model-config`. */
    modelConfig: Type.Optional(Type.String({ minLength: 1 })),
    /** Images per inference batch; also the unit a crashed attempt may redo. */
    batchSize: Type.Integer({ minimum: 1, maximum: 1024, default: 32 }),
    /** Images per shard; shards are embedded in parallel by any worker on the task queue. */
    shardSize: Type.Integer({ minimum: 1, default: 1000 }),
    /** Shards in flight at once, so a million images never become thousands of concurrent activities. */
    maxParallelShards: Type.Integer({ minimum: 1, maximum: 500, default: 4 }),
  },
  { additionalProperties: false },
);

export const PlatformTargetSchema = Type.Union([
  Type.Object(
    {
      /** Platform home of the embedded store (SQLite, storage folder), as `winnow --home` takes it. Single machine. */
      home: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** Base URL of a Winnow/Lightly-compatible API, e.g. `http://127.0.0.1:8080`. */
      url: Type.String({ minLength: 1 }),
      /** Credential profile holding the API token (`WINNOW_PROFILE_<NAME>_PLATFORM_TOKEN`); `default` when omitted. */
      profile: Type.Optional(ProfileName),
    },
    { additionalProperties: false },
  ),
]);
export type PlatformTarget = Static<typeof PlatformTargetSchema>;

export const PipelineConfigSchema = Type.Object(
  {
    /** Platform dataset name; created when missing. */
    dataset: Type.String({ minLength: 1, maxLength: 200 }),
    /** Use this existing dataset (by id) instead of finding or creating it by name. */
    datasetId: Type.Optional(Type.String({ minLength: 1 })),
    /** Where the images are: a bucket location, or a local folder. */
    source: Type.Union([S3LocationSchema, LocalFolderSchema]),
    /** A precomputed Lightly embeddings CSV (a path): the embed step has nothing to do. */
    embeddings: Type.Optional(Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
    /**
     * Folder on the machine running a step for synced images and intermediate files (single-machine setup).
     * Workers resolve a relative path against their own `--work-dir`.
     */
    workDir: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * S3 prefix for the run's intermediate files (shard lists, shard CSVs, merged embeddings, selection) when workers
     * do not share a disk: each shard then fetches its own images from `source`, and any worker can take any step.
     * Without it every step works in the worker's local work folder (one machine, or a shared network folder).
     */
    staging: Type.Optional(S3LocationSchema),
    embed: Type.Optional(EmbedOptionsSchema),
    /**
     * Custom metadata JSON (Lightly format): a path on the worker, or `s3://bucket/key` read with the credentials of
     * `staging` (or of `source` when there is no staging).
     */
    metadata: Type.Optional(Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
    /**
     * Model predictions stored per sample after save (optional), for the SCORES and PREDICTIONS inputs of `selection`:
     * Lightly-format `.lightly/predictions` read from `datasource` (a folder or `s3://bucket/prefix`; default the
     * source), or made first by running `model` over a folder source as task `task` (`default` = the default model's
     * ImageNet classifier; an .onnx classifier needs `modelConfig`, a predictor config as `winnow predict` takes it).
     */
    predictions: Type.Optional(
      Type.Object(
        {
          datasource: Type.Optional(Type.String({ minLength: 1 })),
          task: Type.String({ pattern: '^[A-Za-z0-9_.-]+$', default: 'classifier' }),
          model: Type.Optional(Type.String({ minLength: 1 })),
          modelConfig: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** How many to keep, as `winnow run --select`: a count (≥ 1) or a fraction of the embedded images (< 1). */
    select: Type.Number({ exclusiveMinimum: 0 }),
    /** Selection config (strategies, weights, thresholds, balance); the select engine validates it. Default (filled in by
     * parsePipelineConfig only when absent: a schema default would be merged into a given `strategies` list):
     * `{ strategy: DEFAULT_STRATEGY }`. */
    selection: Type.Record(Type.String(), Type.Unknown()),
    /** What leaves the worker for the platform: `full` images, `thumbnails` (default) or `metadata` only. */
    upload: Type.Union([Type.Literal('full'), Type.Literal('thumbnails'), Type.Literal('metadata')], { default: 'thumbnails' }),
    /**
     * Tag created from the selection. `{date}` / `{time}` become the run's UTC start date / HHMMSS, for scheduled runs;
     * `{n}` the number selected.
     */
    tag: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
    platform: PlatformTargetSchema,
    /** Only objects not embedded by an earlier run are embedded; the selection keeps earlier picks as its datapool. */
    incremental: Type.Boolean({ default: false }),
    /**
     * Which earlier tags are the datapool of an incremental run: those whose names match this template (`*` = any
     * text, so `picks-*` is a prefix). Default: the tag template, e.g. every earlier `nightly-{date}`.
     */
    datapool: Type.Optional(Type.Object({ tags: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
    /**
     * Dataset health after save (optional): duplicates, outliers and quality issues as tags (`duplicates-removed`,
     * `outliers`, `blurry`, …). `options` as `winnow health` takes them; with `selectFromRemaining` (default) the
     * selection draws only from `duplicates-removed`.
     */
    health: Type.Optional(
      Type.Object(
        {
          options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          tagPrefix: Type.Optional(Type.String({ pattern: '^[\\w.-]{0,64}$' })),
          selectFromRemaining: Type.Boolean({ default: true }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A validated config with every default filled in. */
export type PipelineConfig = Static<typeof PipelineConfigSchema> & {
  embed: Static<typeof EmbedOptionsSchema>;
};

/**
 * Validates a pipeline config object and fills in defaults.
 *
 * @example
 * parsePipelineConfig({ dataset: 'cats', source: { bucket: 'raw' }, select: 0.1, tag: { name: 'nightly-{date}' },
 *   platform: { home: '/var/lib/winnow' } })
 * // → { dataset: 'cats', source: { bucket: 'raw' }, embed: { batchSize: 32, shardSize: 1000, maxParallelShards: 4 },
 * //     select: 0.1, selection: { strategy: 'coverage-diversity' }, upload: 'thumbnails', incremental: false, tag: {…}, platform: {…} }
 */
export function parsePipelineConfig(input: unknown, file = '<pipeline config>'): PipelineConfig {
  const withDefaults = Value.Default(PipelineConfigSchema, Value.Clone(input)) as Record<string, unknown>;
  if (withDefaults && typeof withDefaults === 'object' && withDefaults.embed === undefined) {
    withDefaults.embed = Value.Default(EmbedOptionsSchema, {});
  }
  if (withDefaults && typeof withDefaults === 'object' && withDefaults.selection === undefined) {
    withDefaults.selection = { strategy: DEFAULT_STRATEGY };
  }
  const first = Value.Errors(PipelineConfigSchema, withDefaults).First();
  const source = withDefaults?.source;
  if (first?.path === '/source' && source && typeof source === 'object') {
    // The union's own message ("Expected union value") says nothing; the branch the object meant to be says what.
    const branch = 'folder' in source ? LocalFolderSchema : S3LocationSchema;
    const inner = Value.Errors(branch, source).First();
    if (inner) throw new InvalidInputError({ file, column: `/source${inner.path}` }, inner.message, 'INVALID_CONFIG');
  }
  if (first) {
    const where = first.path === '' ? 'config' : first.path;
    throw new InvalidInputError({ file, column: where }, `${first.message}`, 'INVALID_CONFIG');
  }
  return withDefaults as unknown as PipelineConfig;
}

/** Reads and validates a pipeline config JSON file; parse errors carry the file's line and column. */
export async function readPipelineConfigFile(file: string): Promise<PipelineConfig> {
  let text: string;
  try {
    text = decodeUtf8Strict(await readFile(file), file);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidConfigError(`cannot read pipeline config ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return parsePipelineConfig(parseJsonWithPositions(text, file, 'INVALID_CONFIG'), file);
}
