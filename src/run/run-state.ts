import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The steps of `winnow run`, in order. */
export const RUN_STEPS = ['sync', 'embed', 'save', 'platform', 'select', 'tag'] as const;
export type RunStep = (typeof RUN_STEPS)[number];

export interface StepRecord {
  status: 'done' | 'skipped';
  seconds: number;
  /** What the step reported (counts, ids, paths) — small, JSON-safe. */
  result: Record<string, unknown>;
}

/**
 * What a run folder remembers between invocations, so a rerun after Ctrl-C or a crash continues where it stopped.
 * `fingerprint` is the part of the options that changes a step's output; a different fingerprint starts the
 * fingerprinted steps again (embedding stays resumable on its own, row by row).
 */
export interface RunState {
  version: 1;
  fingerprint: string;
  steps: Partial<Record<RunStep, StepRecord>>;
}

export async function readRunState(runDir: string): Promise<RunState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(runDir, 'state.json'), 'utf8')) as RunState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Written to a temp file and renamed, so a crash mid-write never leaves a state file that cannot be read. */
export async function writeRunState(runDir: string, state: RunState): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const file = path.join(runDir, 'state.json');
  await writeFile(`${file}.tmp`, JSON.stringify(state, null, 2));
  await rename(`${file}.tmp`, file);
}
