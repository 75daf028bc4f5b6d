import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WinnowError } from '../errors';
import type { PipelineConfig } from '../pipeline/config';
import { planShards, renderTagName, selectionSize } from '../pipeline/plan';
import { openRunFiles } from '../pipeline/run-files';
import { checkStep, embedStep, healthStep, metadataStep, plainStepContext, predictionsStep, saveStep, selectStep, syncStep, tagStep, type StepContext } from '../pipeline/steps';
import { canonicalJson } from '../pipeline/workflow-id';
import type { PlatformConnection } from '../platform';
import type { Progress } from '../progress';
import type { S3Settings } from '../s3';
import { runConfig, type RunFlags } from './run-config';
import { readRunState, RUN_STEPS, writeRunState, type EmbedSummary, type RunState, type RunStep, type RunStepResults, type StepRecord } from './run-state';

export interface RunPipelineOptions extends RunFlags {
  /** Where the run folder goes, and which platform to write to (from `connectPlatform`). */
  connection: Pick<PlatformConnection, 'client' | 'home' | 'storageDirFor'>;
  /** S3 settings (keys from the environment, path style) for an `s3://` input. */
  s3?: S3Settings;
  onEvent?: (event: RunEvent) => void;
  signal?: AbortSignal;
}

export type RunEvent =
  | { type: 'step-start'; step: RunStep; resumed: boolean }
  | { type: 'step-progress'; step: RunStep; progress: Progress }
  | { type: 'step-done'; step: RunStep; record: StepRecord<unknown> };

export interface RunSummary {
  dataset: { id: string; name: string };
  runDir: string;
  csvPath: string;
  imagesFound: number;
  embedded: number;
  skipped: Array<{ file: string; reason: string }>;
  selected: number;
  tag: { id: string; name: string };
  steps: RunState['steps'];
}

/** A file-system-safe folder name for a dataset's run folder. */
export function runFolderName(dataset: string): string {
  const slug = dataset.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'dataset';
  return `${slug}-${createHash('sha256').update(dataset).digest('hex').slice(0, 8)}`;
}

/**
 * `winnow run`: the pipeline's steps (src/pipeline/steps) one after the other, in process. The flags become the same
 * `PipelineConfig` the Temporal pipeline runs; each finished step is recorded in `<home>/runs/<dataset>/state.json`,
 * so a rerun skips recorded steps and the embed step resumes row by row: an interrupted run continues where it stopped
 * and never duplicates samples, rows or tags.
 *
 * @example
 * await runPipeline({ input: 'farm/', dataset: 'farm', select: 0.1, connection: await connectPlatform({ home: '~/.winnow' }) })
 * // → { dataset: { id: '67…', name: 'farm' }, csvPath: '…/runs/farm-1a2b3c4d/runs/current/embeddings.csv', imagesFound: 266,
 * //     embedded: 264, skipped: [{ file: 'corrupt/truncated.jpg', reason: '…' }], selected: 26,
 * //     tag: { id: '67…', name: 'coreset-26' }, steps: { sync: {…}, embed: {…}, … } }
 */
export async function runPipeline(options: RunPipelineOptions): Promise<RunSummary> {
  const { connection } = options;
  const config: PipelineConfig = { ...runConfig(options, { home: connection.home }), workDir: runFolderName(options.dataset) };
  const files = openRunFiles(config, 'current', { workRoot: path.join(connection.home, 'runs') });
  const stateDir = path.join(connection.home, 'runs', runFolderName(options.dataset));
  const fingerprint = createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
  const previous = await readRunState(stateDir);
  const state: RunState = previous?.fingerprint === fingerprint ? previous : { version: 2, fingerprint, steps: {} };
  const emit = options.onEvent ?? (() => undefined);
  const context = <C>(name: RunStep): StepContext<C> =>
    plainStepContext<C>({
      config,
      runKey: 'current',
      files,
      usePlatform: (fn) => fn({ ...connection, close: async () => undefined }),
      s3Settings: (location) => ({ ...options.s3, ...(location.endpoint ? { endpoint: location.endpoint } : {}), ...(location.region ? { region: location.region } : {}) }),
      onProgress: (progress) => emit({ type: 'step-progress', step: name, progress }),
      log: { warn: (message) => void process.stderr.write(`warning: ${message}\n`), debug: () => undefined },
      signal: options.signal,
    });

  async function step<K extends RunStep>(name: K, work: (ctx: StepContext<never>) => Promise<RunStepResults[K]>): Promise<RunStepResults[K]> {
    const done = state.steps[name];
    if (done) {
      emit({ type: 'step-start', step: name, resumed: true });
      emit({ type: 'step-done', step: name, record: done });
      return done.result;
    }
    options.signal?.throwIfAborted();
    emit({ type: 'step-start', step: name, resumed: false });
    const started = Date.now();
    let result: RunStepResults[K];
    try {
      result = await work(context(name));
    } catch (error) {
      throw stepError(name, error);
    }
    const record: StepRecord<RunStepResults[K]> = { status: 'done', seconds: (Date.now() - started) / 1000, result };
    state.steps[name] = record as RunState['steps'][K];
    await writeRunState(stateDir, state);
    emit({ type: 'step-done', step: name, record });
    return result;
  }

  await step('check', (ctx) => checkStep(ctx));
  const synced = await step('sync', () => syncStep(context<string>('sync')));
  const shards = planShards(synced.toEmbed, config.embed.shardSize);
  const embedded = await step('embed', async () => {
    const sum: EmbedSummary = { shards: shards.length, embedded: 0, resumed: 0, skipped: 0, skippedReports: [] };
    for (const shard of shards) {
      const result = await embedStep(context<number>('embed'), shard);
      sum.embedded += result.embedded;
      sum.resumed += result.resumed;
      sum.skipped += result.skipped;
      if (result.skippedReport) sum.skippedReports.push(result.skippedReport);
    }
    return sum;
  });
  const saved = await step('save', (ctx) => saveStep(ctx, shards.length));
  await step('metadata', (ctx) => metadataStep(ctx, saved.datasetId));
  if (config.predictions) await step('predictions', (ctx) => predictionsStep(ctx, saved.datasetId));
  if (config.health) await step('health', (ctx) => healthStep(ctx, saved));
  const tagName = renderTagName(config.tag.name, new Date(), { n: selectionSize(config.select, saved.rows) });
  const selection = await step('select', (ctx) => selectStep(ctx, saved, tagName));
  const tag = await step('tag', (ctx) => tagStep(ctx, saved.datasetId, selection));

  const dataset = await connection.client.getDatasetById(saved.datasetId);
  return {
    dataset: { id: dataset.id, name: dataset.name },
    runDir: files.runDir,
    csvPath: saved.csvFile,
    imagesFound: synced.images,
    embedded: saved.rows,
    skipped: [...(await readSkippedReports(embedded.skippedReports)), ...(saved.notStored ?? [])],
    selected: tag.count,
    tag: { id: tag.tagId, name: tag.name },
    steps: state.steps,
  };
}

function stepError(step: RunStep, error: unknown): Error {
  const message = `step ${RUN_STEPS.indexOf(step) + 1} (${step}) failed: ${error instanceof Error ? error.message : String(error)}`;
  if (error instanceof WinnowError) return new WinnowError(message, { code: error.code, retryable: error.retryable, cause: error });
  return new Error(message, { cause: error });
}

/** The skipped images of every shard report (JSON written by `formatSkippedReport`). */
async function readSkippedReports(reports: readonly string[]): Promise<RunSummary['skipped']> {
  const skipped: RunSummary['skipped'] = [];
  for (const report of reports) {
    const parsed = JSON.parse(await readFile(report, 'utf8')) as { skipped: RunSummary['skipped'] };
    skipped.push(...parsed.skipped);
  }
  return skipped;
}
