import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createEmbeddingsWriter, type EmbeddingsWriter } from '../embeddings';
import { writeModelRecord } from '../embeddings/model-record';
import { InvalidConfigError } from '../errors';
import type { ImageMeasures } from '../health/measures';
import { MeasuresWriter, measuresPathFor } from '../health/measures-file';
import { openMeasurer } from '../health/off-thread-measures';
import { measureProgress, type ProgressCallback } from '../progress';
import { decodeImage, DEFAULT_PIXEL_LIMIT, writePixels, type DecodeOptions, type DecodeOutcome } from './decode-image';
import { loadEmbeddingModel, type EmbeddingModel } from './embedding-model';
import { compareNames, isImageName, labelFor, listClasses, normaliseSubset, scanInputDir } from './image-files';
import type { ModelConfig } from './model-config';
import { assertResumableWith } from './model-check';
import { mapOrdered } from './pipeline';
import type { OrtBackend } from './runner/model-runner';

/**
 * On CPU a convnet gains little from large batches (bench/embed's 1/8/32 sweep showed no consistent winner on a shared
 * 2-core machine), while activation memory grows with the batch: 8 keeps peak RSS near 330 MB for the default
 * model against about 650 MB at 32. GPUs want larger batches; pass `batchSize`.
 */
export const DEFAULT_BATCH_SIZE = 8;
const MAX_BATCH_SIZE = 1024;

export interface EmbedImagesOptions {
  inputDir: string;
  outCsv: string;
  /** `default` (efficientnet-lite0, 1280-d), a built-in model's name or a path to an `.onnx` image model. */
  model?: string;
  /** Needed for a custom model: the config or a JSON file path. */
  modelConfig?: ModelConfig | string;
  batchSize?: number;
  /** Only these files (relative to `inputDir`), e.g. one shard of a Temporal fan-out. */
  files?: string[];
  /**
   * The dataset's class folders in label order, when `inputDir` holds only part of it (a shard fetched from S3):
   * labels must number the folders of the whole dataset, not just those the shard happens to contain.
   */
  classes?: readonly string[];
  /** Default true: keep the rows already in `outCsv` and embed only the missing files. False starts a new file. */
  resume?: boolean;
  executionProvider?: 'cpu' | 'cuda';
  /** Force an ONNX Runtime build; by default native, WASM when the native binding cannot load. */
  backend?: 'auto' | OrtBackend;
  /** Threads for one inference (default: one per core; see defaultIntraOpThreads). */
  threads?: number;
  /** Largest accepted width × height (default 100 megapixels). */
  limitInputPixels?: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /**
   * Called after each batch is written and flushed, e.g. to heartbeat a resumable cursor or copy the new rows to S3;
   * the next batch waits for a returned promise, so what it reports is durable before more work starts.
   */
  onBatch?: (info: { filesDone: number }) => void | Promise<void>;
  /**
   * Where each embedded image's health measures (hashes, sharpness, brightness, …; see src/health) go, one JSON line
   * each, from the same read and decode. Default: beside the CSV (`measuresPathFor(outCsv)`), so every face that embeds
   * — CLI, n8n, `winnow run` and Temporal shards — has them; `false` skips them. Resumes with the CSV.
   */
  measuresOut?: string | false;
  /** Warnings such as the WASM fallback; default `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

export interface EmbedResult {
  csvPath: string;
  /** Files considered: embedded + alreadyPresent + skipped. */
  total: number;
  /** Rows written by this call. */
  embedded: number;
  /** Files whose rows were already in the CSV (resume). */
  alreadyPresent: number;
  skipped: Array<{ file: string; reason: string }>;
  dim: number;
  modelId: string;
  seconds: number;
}

interface Candidate {
  file: string;
  label: number;
}

/**
 * Embeds every image under `inputDir` (or the `files` subset) and appends rows to a Lightly embeddings CSV, with the
 * model's id in the CSV's model record (`<csv>.model.json`); resuming a CSV made by another model is refused.
 * Decoding runs on sharp's threads while the model runs, through a bounded queue; bad files are skipped with a
 * reason; an existing CSV is resumed, so a retry only embeds what is missing.
 *
 * @example
 * await embedImages({ inputDir: 'data/', outCsv: 'embeddings.csv' });
 * // { csvPath: 'embeddings.csv', total: 1003, embedded: 1000, alreadyPresent: 0,
 * //   skipped: [{ file: 'cats/broken.jpg', reason: 'corrupt or truncated image (VipsJpeg: premature end of JPEG image)' }, …],
 * //   dim: 1280, modelId: 'efficientnet-lite0@1c0a9d3e5f7b2c4d', seconds: 12.4 }
 */
export async function embedImages(options: EmbedImagesOptions): Promise<EmbedResult> {
  const started = Date.now();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new InvalidConfigError(`batch size must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  const inputDir = path.resolve(options.inputDir);
  const dirInfo = await stat(inputDir).catch(() => undefined);
  if (!dirInfo?.isDirectory()) throw new InvalidConfigError(`input folder ${options.inputDir} not found`);
  options.signal?.throwIfAborted();

  const skipped: EmbedResult['skipped'] = [];
  let candidates: Candidate[];
  if (options.files) {
    const subset = normaliseSubset(inputDir, options.files);
    const classes = options.classes ?? (await listClasses(inputDir));
    candidates = [];
    for (const file of new Set(subset)) {
      if (isImageName(file)) candidates.push({ file, label: labelFor(file, classes) });
      else skipped.push({ file, reason: unsupportedReason(file) });
    }
  } else {
    const scan = await scanInputDir(inputDir);
    candidates = scan.images.map((file) => ({ file, label: labelFor(file, scan.classes) }));
    for (const file of scan.unsupported) skipped.push({ file, reason: unsupportedReason(file) });
  }

  const unsupported = skipped.length;

  const model = await loadEmbeddingModel({
    model: options.model,
    modelConfig: options.modelConfig,
    executionProvider: options.executionProvider,
    backend: options.backend,
    threads: options.threads,
    onWarning: options.onWarning,
  });
  let writer: EmbeddingsWriter | undefined;
  try {
    const measuresOut = options.measuresOut === false ? undefined : (options.measuresOut ?? measuresPathFor(options.outCsv));
    const measures = measuresOut === undefined ? undefined : await MeasuresWriter.open(measuresOut, options.resume ?? true);
    await mkdir(path.dirname(path.resolve(options.outCsv)), { recursive: true });
    const resume = options.resume ?? true;
    if (resume) await assertResumableWith(options.outCsv, model, inputDir, options.limitInputPixels ?? DEFAULT_PIXEL_LIMIT);
    writer = await createEmbeddingsWriter(options.outCsv, { dim: model.dim, append: resume });
    await writeModelRecord(options.outCsv, { model: model.id, dim: model.dim });
    const present = writer.existing?.fileNames ?? new Set<string>();
    const todo = candidates.filter((c) => !present.has(c.file));
    const alreadyPresent = candidates.length - todo.length;

    const labels = new Map(todo.map((c) => [c.file, c.label]));
    const rows = writer;
    const embedded = await runModelPass({
      model,
      todo,
      inputDir,
      batchSize,
      limitInputPixels: options.limitInputPixels ?? DEFAULT_PIXEL_LIMIT,
      skipped,
      async onVectors(files, vectors) {
        for (let i = 0; i < files.length; i++) await rows.write(files[i], vectors[i], labels.get(files[i]) ?? 0);
      },
      async onReport(filesDone) {
        // Progress marks work a resumed run will not redo (a Temporal heartbeat, a rerun after Ctrl-C or a crash), so
        // the batch's rows leave our buffer first: one write per batch, and a killed process loses at most the batch in flight.
        await rows.flush();
        await measures?.flush();
        await options.onBatch?.({ filesDone });
      },
      onMeasured: measures === undefined ? undefined : (m) => measures.add(m),
      onProgress: options.onProgress,
      signal: options.signal,
    });
    await writer.close();
    skipped.sort((a, b) => compareNames(a.file, b.file));
    return {
      csvPath: options.outCsv,
      total: candidates.length + unsupported,
      embedded,
      alreadyPresent,
      skipped,
      dim: model.dim,
      modelId: model.id,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    // On failure or abort the rows written so far are flushed, so the next (resumed) run starts after them.
    await writer?.close().catch(() => undefined);
    await model.close();
  }
}

function unsupportedReason(file: string): string {
  const ext = path.extname(file).toLowerCase();
  return ext === '' ? 'unsupported file type (no extension)' : `unsupported file type (${ext})`;
}

/** A model pass over image files: decoding on sharp's threads while the model runs, bad files skipped with a reason. */
export interface ModelPassInput {
  model: EmbeddingModel;
  /**
   * What to run, each named `file` in the results. An item with `region` is that rectangle of the image `image`
   * (an object crop, named e.g. `a.jpg#0`); otherwise `file` is the image itself.
   */
  todo: ReadonlyArray<{ file: string; image?: string; region?: DecodeOptions['region'] }>;
  inputDir: string;
  batchSize: number;
  limitInputPixels: number;
  skipped: Array<{ file: string; reason: string }>;
  /** Each batch's files and their output vectors, in input order. */
  onVectors(files: readonly string[], vectors: Float32Array[]): Promise<void>;
  /** After each full batch (and once at the end): files done so far, decoded or skipped. */
  onReport?(filesDone: number): Promise<void>;
  /** When given, each decoded image is also measured for dataset health (src/health) from the same read and decode. */
  onMeasured?(measures: ImageMeasures): void;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** Runs `model` over the files of `todo`; returns how many images went through the model. */
export async function runModelPass(input: ModelPassInput): Promise<number> {
  const { model, todo, batchSize, skipped } = input;
  const { config, inputSize } = model;
  const decodeOptions = {
    width: config.width,
    height: config.height,
    resize: config.resize,
    enlarge: config.enlarge,
    limitInputPixels: input.limitInputPixels,
    measure: input.onMeasured !== undefined,
    // Off the thread that runs the model (onnxruntime-node runs a session synchronously on it); no worker is started
    // for a pass with nothing to do (a resumed run that is already complete).
    measurer: input.onMeasured !== undefined && todo.length > 0 ? openMeasurer() : undefined,
  };
  // Two batches in flight: one being decoded while the previous one runs, so inference never waits on a cold queue.
  const window = Math.max(2 * batchSize, 8);
  const pixels = new Float32Array(batchSize * inputSize);
  const batchFiles: string[] = [];
  const started = Date.now();
  let done = 0;
  let passed = 0;

  const flush = async () => {
    if (batchFiles.length === 0) return;
    const vectors = await model.embedBatch(pixels, batchFiles.length);
    await input.onVectors(batchFiles, vectors);
    passed += batchFiles.length;
    batchFiles.length = 0;
  };
  const report = async () => {
    await input.onReport?.(done);
    input.onProgress?.(measureProgress(done, todo.length, started));
  };

  const decode = (c: ModelPassInput['todo'][number]): Promise<DecodeOutcome> =>
    decodeImage(path.join(input.inputDir, ...(c.image ?? c.file).split('/')), c.file, c.region ? { ...decodeOptions, region: c.region } : decodeOptions);
  let sinceReport = 0;
  try {
    for await (const outcome of mapOrdered(todo, window, decode, input.signal)) {
      done++;
      sinceReport++;
      if (!outcome.ok) {
        skipped.push({ file: outcome.file, reason: outcome.reason });
        continue;
      }
      if (outcome.measures) input.onMeasured?.(outcome.measures);
      writePixels(outcome.rgb, pixels, batchFiles.length * inputSize, config);
      batchFiles.push(outcome.file);
      if (batchFiles.length === batchSize) {
        await flush();
        await report();
        sinceReport = 0;
      }
    }
  } finally {
    // mapOrdered has awaited every decode in flight, so no measure is pending.
    await decodeOptions.measurer?.close();
  }
  await flush();
  if (sinceReport > 0 || todo.length === 0) await report();
  return passed;
}
