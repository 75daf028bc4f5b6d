import path from 'node:path';
import { InvalidConfigError } from '../errors';
import { parsePipelineConfig, type PipelineConfig } from '../pipeline/config';
import { isS3Uri, parseS3Uri, type UploadMode } from '../s3';
import { DEFAULT_STRATEGY } from '../select';

/** `winnow run`'s flags (and the programmatic options of `runPipeline`), before they become a `PipelineConfig`. */
export interface RunFlags {
  /** A local folder or `s3://bucket/prefix`. */
  input: string;
  /** Platform dataset name; created when missing, reused when present. */
  dataset: string;
  /** Use this existing dataset instead of looking it up by name (lightly-magic's `dataset_id`). */
  datasetId?: string;
  /** Custom metadata in the COCO-like Lightly format. */
  metadataPath?: string;
  /** How many to keep: an absolute count (≥ 1) or a fraction of the embedded images (< 1). */
  select: number;
  /** Shorthand strategy (`coreset`, `random`, …) or a full selection config (strategies, weights, thresholds …). */
  strategy?: string;
  selectionConfig?: Record<string, unknown>;
  /** Tag to create from the selection (`{date}`, `{time}`, `{n}` filled in); default `<strategy>-{n}`. */
  tagName?: string;
  /** What leaves the machine for the platform: images + thumbnails, only thumbnails, or only metadata. */
  upload?: UploadMode;
  /** Precomputed Lightly embeddings CSV: skips the embed step (lightly-magic's `embeddings=`). */
  embeddingsPath?: string;
  model?: string;
  modelConfig?: string;
  batchSize?: number;
  /** Embed only images not embedded by an earlier run; keep earlier picks (the datapool) in the selection. */
  incremental?: boolean;
  /** Which earlier tags are the datapool (default: the tag template); `picks-*` for a name prefix. */
  datapoolTags?: string;
  /** Run the health step after save (duplicates, outliers, issues as tags) and select from `duplicates-removed`. */
  health?: boolean;
  /**
   * Store model predictions after save, for SCORES/PREDICTIONS selection inputs: read from `datasource` (a folder or
   * `s3://` prefix with `.lightly/predictions`, default the input), or made by running `model` (`default` or an .onnx
   * classifier with `modelConfig`) over a folder input as task `task`.
   */
  predictions?: { datasource?: string; model?: string; modelConfig?: string; task?: string };
  /** S3 endpoint and region of an `s3://` input. */
  s3?: { endpoint?: string; region?: string };
  /** The platform the run writes to, for the record (the connection itself is given to `runPipeline`). */
  platform?: PipelineConfig['platform'];
}

/**
 * `winnow run`'s flags as the `PipelineConfig` every driver runs (the one `winnow pipeline start --config` reads).
 *
 * @example
 * runConfig({ input: 'farm/', dataset: 'farm', select: 0.1 }, { home: '/home/me/.winnow' })
 * // → { dataset: 'farm', source: { folder: '/…/farm' }, select: 0.1, selection: { strategy: 'coverage-diversity' },
 * //     tag: { name: 'coverage-diversity-{n}' }, upload: 'thumbnails', platform: { home: '/home/me/.winnow' }, … }
 */
export function runConfig(flags: RunFlags, platform: PipelineConfig['platform']): PipelineConfig {
  if (!flags.dataset.trim()) throw new InvalidConfigError('--dataset must not be empty');
  if (!(flags.select > 0)) throw new InvalidConfigError('--select must be a count ≥ 1 or a fraction between 0 and 1');
  if (flags.select >= 1 && !Number.isInteger(flags.select)) throw new InvalidConfigError('--select above 1 must be a whole number of images');
  const strategy = flags.strategy ?? DEFAULT_STRATEGY;
  let source: PipelineConfig['source'];
  if (isS3Uri(flags.input)) {
    const { bucket, prefix } = parseS3Uri(flags.input);
    source = { bucket, ...(prefix ? { prefix } : {}), ...(flags.s3?.endpoint ? { endpoint: flags.s3.endpoint } : {}), ...(flags.s3?.region ? { region: flags.s3.region } : {}) };
  } else {
    source = { folder: path.resolve(flags.input) };
  }
  const embed = {
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.modelConfig ? { modelConfig: path.resolve(flags.modelConfig) } : {}),
    ...(flags.batchSize ? { batchSize: flags.batchSize } : {}),
  };
  return parsePipelineConfig(
    {
      dataset: flags.dataset,
      ...(flags.datasetId ? { datasetId: flags.datasetId } : {}),
      source,
      ...(flags.embeddingsPath ? { embeddings: { file: path.resolve(flags.embeddingsPath) } } : {}),
      embed,
      ...(flags.metadataPath ? { metadata: { file: path.resolve(flags.metadataPath) } } : {}),
      select: flags.select,
      selection: flags.selectionConfig ?? { strategy },
      upload: flags.upload ?? 'thumbnails',
      tag: { name: flags.tagName ?? `${strategy}-{n}` },
      platform: flags.platform ?? platform,
      incremental: flags.incremental ?? false,
      ...(flags.datapoolTags ? { datapool: { tags: flags.datapoolTags } } : {}),
      ...(flags.health ? { health: {} } : {}),
      ...(flags.predictions ? { predictions: flags.predictions } : {}),
    },
    'winnow run options',
  );
}
