import path from 'node:path';
import { readNameListFile, writeNameListFile } from '../../name-list';
import type { PipelineConfig } from '../config';
import { safeSegment, shardFileName } from '../plan';

/**
 * Where a pipeline keeps its files on the machine that runs a step:
 *
 *     <workRoot>/<workDir or dataset>/images/            synced images (kept between runs: the next sync is incremental)
 *     <workRoot>/<workDir or dataset>/embeddings.csv      every image embedded so far (the datapool of `incremental` runs)
 *     <workRoot>/<workDir or dataset>/runs/<runKey>/      one run: files.txt, shards/shard-000000.csv, embeddings.csv, selection.txt,
 *                                                        reports/shard-000000.skipped.json (images a shard could not embed)
 *
 * Several workers share it when they share the disk (one machine, or a network folder).
 */
export interface Workspace {
  datasetDir: string;
  imagesDir: string;
  /** All embeddings so far, across runs. */
  datapoolCsv: string;
  runDir: string;
  /** Images this run embeds, one relative name a line, in shard order. */
  listFile: string;
  shardsDir: string;
  /** This run's merged embeddings. */
  mergedCsv: string;
  selectionFile: string;
  shardCsv(index: number): string;
  /** The images a shard skipped, with reasons (JSON). */
  skippedReport(index: number): string;
}

/** `WINNOW_WORK_DIR`, else `.winnow/work` under the current folder. */
export function defaultWorkRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.WINNOW_WORK_DIR ?? path.join('.winnow', 'work'));
}

export function openWorkspace(workRoot: string, config: PipelineConfig, runKey: string): Workspace {
  const datasetDir = path.resolve(workRoot, config.workDir ?? safeSegment(config.dataset));
  const runDir = path.join(datasetDir, 'runs', safeSegment(runKey));
  const shardsDir = path.join(runDir, 'shards');
  return {
    datasetDir,
    imagesDir: path.join(datasetDir, 'images'),
    datapoolCsv: path.join(datasetDir, 'embeddings.csv'),
    runDir,
    listFile: path.join(runDir, 'files.txt'),
    shardsDir,
    mergedCsv: path.join(runDir, 'embeddings.csv'),
    selectionFile: path.join(runDir, 'selection.txt'),
    shardCsv: (index) => path.join(shardsDir, shardFileName(index)),
    skippedReport: (index) => path.join(runDir, 'reports', shardFileName(index).replace(/\.csv$/, '.skipped.json')),
  };
}

/** Writes a file list atomically (src/name-list.ts). */
export const writeList = writeNameListFile;

export async function readList(file: string, offset = 0, count = Infinity): Promise<string[]> {
  const names = await readNameListFile(file);
  return names.slice(offset, offset + count);
}
