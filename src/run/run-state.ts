import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckResult, HealthResult, MetadataResult, PredictionsResult, SaveResult, SelectResult, SyncResult, TagResult } from '../pipeline/step-types';

/** The steps of `winnow run`, in order: the pipeline's steps, embed's shards taken one after the other. */
export const RUN_STEPS = ['check', 'sync', 'embed', 'save', 'metadata', 'predictions', 'health', 'select', 'tag'] as const;
export type RunStep = (typeof RUN_STEPS)[number];

/** What the embed step of `winnow run` reports: its shards summed. */
export interface EmbedSummary {
  shards: number;
  embedded: number;
  resumed: number;
  skipped: number;
  /** The shards' reports of skipped images (file + reason). */
  skippedReports: string[];
}

/** Each step's result, as recorded in the state file. */
export interface RunStepResults {
  check: CheckResult;
  sync: SyncResult;
  embed: EmbedSummary;
  save: SaveResult;
  metadata: MetadataResult;
  predictions: PredictionsResult;
  health: HealthResult;
  select: SelectResult;
  tag: TagResult;
}

export interface StepRecord<R> {
  status: 'done';
  seconds: number;
  /** What the step reported (counts, ids, paths) — small, JSON-safe. */
  result: R;
}

/**
 * What a run folder remembers between invocations, so a rerun after Ctrl-C or a crash continues where it stopped.
 * `fingerprint` is a digest of the run's `PipelineConfig`; a different fingerprint starts the steps again (embedding
 * stays resumable on its own, row by row, while the list of images to embed is the same).
 */
export interface RunState {
  version: 2;
  fingerprint: string;
  steps: { [K in RunStep]?: StepRecord<RunStepResults[K]> };
}

export async function readRunState(runDir: string): Promise<RunState | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(runDir, 'state.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text) as { version?: number };
  // A state file of an older layout describes files this version does not write: start again.
  return state.version === 2 ? (state as RunState) : undefined;
}

/** Written to a temp file and renamed, so a crash mid-write never leaves a state file that cannot be read. */
export async function writeRunState(runDir: string, state: RunState): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const file = path.join(runDir, 'state.json');
  await writeFile(`${file}.tmp`, JSON.stringify(state, null, 2));
  await rename(`${file}.tmp`, file);
}
