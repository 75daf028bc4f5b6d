import {
  continueAsNew,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { EmbedShardResult, PipelineActivities, SaveResult, SyncResult, TagResult } from '../activities/types';
import type { PredictionsResult } from '../src/pipeline/step-types';
import type { PipelineConfig } from '../src/pipeline/config';
import { planShards, renderTagName, selectionSize } from '../src/pipeline/plan';

/** Knobs that belong to the Temporal face, not to the pipeline config (which `winnow run` shares). */
export interface PipelineOptions {
  /** How long a silent activity is presumed dead (worker killed) before it is retried elsewhere. Default 30 s. */
  heartbeatTimeout?: Duration;
  /** Shards embedded per workflow run before continue-as-new, keeping each run's history small. Default 200. */
  shardsPerRun?: number;
}

/** What a run hands to the next one on continue-as-new. */
export interface PipelineCarryOver {
  startedAt: string;
  sync: SyncResult;
  nextShard: number;
  shardsDone: number;
  embedded: number;
  resumed: number;
  /** Absent in carry-overs written before skipped images were counted. */
  skipped?: number;
  /** Reports of the shards that skipped images (paths or `s3://` URIs), at most MAX_SKIPPED_REPORTS. */
  skippedReports?: string[];
  runs: number;
}

export interface PipelineInput {
  config: PipelineConfig;
  options?: PipelineOptions;
  /** Set only by continue-as-new. */
  carryOver?: PipelineCarryOver;
}

export type PipelinePhase = 'check' | 'sync' | 'embed' | 'save' | 'metadata' | 'predictions' | 'health' | 'select' | 'tag' | 'done' | 'stopped';

export interface PipelineProgress {
  phase: PipelinePhase;
  images?: number;
  toEmbed?: number;
  shards?: { total: number; done: number; running: number };
  embedded: number;
  resumed: number;
  /** Images the embed step could not read (corrupt, unsupported, gone); see the result's `skippedReports`. */
  skipped: number;
  rows?: number;
  selected?: number;
  tag?: string;
  /** How many times the run continued as new (history bounding). */
  runs: number;
  stopRequested: boolean;
}

export interface PipelineResult {
  status: 'completed' | 'stopped';
  phase: PipelinePhase;
  images: number;
  embedded: number;
  resumed: number;
  skipped: number;
  /** The shards' reports of skipped images, with reasons (the first MAX_SKIPPED_REPORTS). */
  skippedReports: string[];
  rows?: number;
  csvFile?: string;
  datasetId?: string;
  selected?: number;
  tag?: TagResult;
  /** What the predictions step stored and could not (named), when the config has `predictions`. */
  predictions?: PredictionsResult;
}

export const progressQuery = defineQuery<PipelineProgress>('progress');
/** Asks the pipeline to stop after the step (or the shards) in flight; it then completes with status `stopped`. */
export const stopSignal = defineSignal<[reason?: string]>('stop');

const DEFAULT_SHARDS_PER_RUN = 200;
/** Report references kept in the result: enough to find the problem, bounded so a million bad files stay small. */
const MAX_SKIPPED_REPORTS = 100;

/** Every step's timeouts and retries in one place. Retries back off 1 s → 1 min; a bad-input failure is never retried. */
function pipelineActivities(heartbeatTimeout: Duration): Record<'quick' | 'long', PipelineActivities> {
  const retry: ActivityOptions['retry'] = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 20 };
  return {
    quick: proxyActivities<PipelineActivities>({ startToCloseTimeout: '10m', retry: { ...retry, maximumAttempts: 5 } }),
    // Long steps heartbeat, so a dead worker is noticed after `heartbeatTimeout`, not after the 12 h ceiling.
    long: proxyActivities<PipelineActivities>({ startToCloseTimeout: '12h', heartbeatTimeout, retry }),
  };
}

/**
 * The curation pipeline: check → sync → embed (sharded, bounded window) → save → metadata → select → tag.
 * Inputs and results are references; images and embeddings stay in the run's workspace.
 */
export async function curationPipeline(input: PipelineInput): Promise<PipelineResult> {
  const { config, options = {} } = input;
  const { quick, long } = pipelineActivities(options.heartbeatTimeout ?? '30s');
  const info = workflowInfo();
  const carry: PipelineCarryOver = input.carryOver ?? {
    startedAt: info.runStartTime.toISOString(),
    sync: { images: 0, toEmbed: 0, downloaded: 0, listFile: '' },
    nextShard: 0,
    shardsDone: 0,
    embedded: 0,
    resumed: 0,
    runs: 0,
  };
  // The workspace is named after the first run's workflow id, so it survives continue-as-new; schedules give each
  // firing its own id, so nightly runs do not share intermediate files.
  const ref = { config, runKey: info.workflowId };

  let phase: PipelinePhase = input.carryOver ? 'embed' : 'check';
  let stopRequested = false;
  let running = 0;
  const progress: Omit<PipelineProgress, 'phase' | 'stopRequested' | 'shards' | 'embedded' | 'resumed' | 'skipped' | 'runs'> = {};
  const shards = () => planShards(carry.sync.toEmbed, config.embed.shardSize);

  setHandler(progressQuery, () => ({
    ...progress,
    phase,
    images: carry.sync.images || undefined,
    toEmbed: carry.sync.toEmbed || undefined,
    shards: phase === 'check' || phase === 'sync' ? undefined : { total: shards().length, done: carry.shardsDone, running },
    embedded: carry.embedded,
    resumed: carry.resumed,
    skipped: carry.skipped ?? 0,
    runs: carry.runs,
    stopRequested,
  }));
  setHandler(stopSignal, (reason) => {
    log.info('stop requested', { reason });
    stopRequested = true;
  });

  const skippedSoFar = () => ({ skipped: carry.skipped ?? 0, skippedReports: carry.skippedReports ?? [] });
  const stopped = (): PipelineResult => {
    const at = phase;
    phase = 'stopped';
    return { status: 'stopped', phase: at, images: carry.sync.images, embedded: carry.embedded, resumed: carry.resumed, ...skippedSoFar() };
  };

  if (!input.carryOver) {
    await quick.checkPipeline(ref);
    if (stopRequested) return stopped();
    phase = 'sync';
    carry.sync = await long.syncImages(ref);
    if (stopRequested) return stopped();
    phase = 'embed';
  }

  // Sliding window over the shards: at most `maxParallelShards` in flight, any worker may take any shard.
  const plan = shards();
  const perRun = options.shardsPerRun ?? DEFAULT_SHARDS_PER_RUN;
  let launchedThisRun = 0;
  const inFlight = new Map<number, Promise<EmbedShardResult>>();
  const launch = (index: number): void => {
    running++;
    inFlight.set(
      index,
      long.embedImages(ref, plan[index]).finally(() => {
        running--;
      }),
    );
  };
  const historyFull = () => launchedThisRun >= perRun || workflowInfo().continueAsNewSuggested;
  while (carry.nextShard < plan.length || inFlight.size > 0) {
    while (inFlight.size < config.embed.maxParallelShards && carry.nextShard < plan.length && !stopRequested && !historyFull()) {
      launch(carry.nextShard++);
      launchedThisRun++;
    }
    if (inFlight.size === 0) break;
    const [index, result] = await Promise.race([...inFlight].map(([i, p]) => p.then((r) => [i, r] as const)));
    inFlight.delete(index);
    carry.shardsDone++;
    carry.embedded += result.embedded;
    carry.resumed += result.resumed;
    carry.skipped = (carry.skipped ?? 0) + (result.skipped ?? 0);
    if (result.skippedReport && (carry.skippedReports ?? []).length < MAX_SKIPPED_REPORTS) {
      carry.skippedReports = [...(carry.skippedReports ?? []), result.skippedReport];
    }
  }
  if (stopRequested) return stopped();
  if (carry.nextShard < plan.length) {
    // Drained the window; hand the cursor to a fresh run so no single history grows with the dataset.
    await continueAsNew<typeof curationPipeline>({ config, options, carryOver: { ...carry, runs: carry.runs + 1 } });
  }

  phase = 'save';
  const saved: SaveResult = await long.saveEmbeddings(ref, plan.length);
  progress.rows = saved.rows;
  if (stopRequested) return stopped();

  phase = 'metadata';
  if (config.metadata) await quick.uploadMetadata(ref, saved.datasetId);
  if (stopRequested) return stopped();

  // Behind a config field, so histories recorded without it replay unchanged.
  let predictions: PredictionsResult | undefined;
  if (config.predictions) {
    phase = 'predictions';
    predictions = await long.storePredictions(ref, saved.datasetId);
    if (stopRequested) return stopped();
  }

  // Behind a config field, so histories recorded without it replay unchanged.
  if (config.health) {
    phase = 'health';
    await long.analyseHealth(ref, saved);
    if (stopRequested) return stopped();
  }

  phase = 'select';
  const tagName = renderTagName(config.tag.name, new Date(carry.startedAt), { n: selectionSize(config.select, saved.rows) });
  progress.tag = tagName;
  const selection = await long.selectSamples(ref, saved, tagName);
  progress.selected = selection.n;
  if (stopRequested) return stopped();

  phase = 'tag';
  const tag = await quick.createTag(ref, saved.datasetId, selection);

  phase = 'done';
  return {
    status: 'completed',
    phase,
    images: carry.sync.images,
    embedded: carry.embedded,
    resumed: carry.resumed,
    ...skippedSoFar(),
    rows: saved.rows,
    csvFile: saved.csvFile,
    datasetId: saved.datasetId,
    selected: tag.count,
    tag,
    ...(predictions === undefined ? {} : { predictions }),
  };
}
