import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  DEFAULT_STRATEGY,
  STRATEGY_SHORTHANDS,
  parseSelectionConfig,
  readSelectionConfigFile,
  selectFromFiles,
  type SelectionResult,
} from '../../select';
import { InvalidConfigError } from '../../errors';
import { readNameListFile } from '../../name-list';
import { action, CliError, EXIT_USAGE, type CommandModule } from '../program';
import { selectionValuesFromDatasource } from './predictions';
import { createProgressBar } from '../progress-bar';
import { escapeForTerminal } from '../terminal-text';

interface SelectFlags {
  embeddings: string;
  out: string;
  n?: string;
  proportion?: string;
  strategy?: string;
  config?: string;
  metadata?: string;
  predictions?: string;
  endpoint?: string;
  key?: string;
  query?: string;
  preselected?: string;
  seed?: string;
  minDistance?: string;
  projectionDim?: string;
  rankDepth?: string;
}

/** `winnow select`: rank every sample by importance and write the selection for the requested size. */
export const registerSelect: CommandModule = (program: Command) => {
  program
    .command('select')
    .description('Select the most useful samples from an embeddings CSV (coreset/diversity, weights, thresholds, balance, similarity, random).')
    .requiredOption('--embeddings <file>', 'Lightly embeddings CSV')
    .requiredOption('--out <file>', 'where to write the JSON result ({selected, ranking, …})')
    .option('--n <k>', 'how many new samples to select')
    .option('--proportion <p>', 'or: this fraction (0–1] of the candidates')
    .option('--strategy <name>', `one of ${STRATEGY_SHORTHANDS.join(', ')} (default ${DEFAULT_STRATEGY} unless --config has strategies)`)
    .option('--config <file>', 'selection config JSON (Lightly-style {n, strategies: [{input, strategy}]}); flags override its top-level fields')
    .option('--metadata <file>', 'Lightly custom metadata JSON, for METADATA inputs')
    .option('--predictions <datasource>', 'folder or s3:// prefix with .lightly/predictions, for SCORES and PREDICTIONS inputs (and a folder\'s .lightly/object-embeddings for EMBEDDINGS with a task)')
    .option('--endpoint <url>', 'S3-compatible endpoint of an s3:// --predictions datasource')
    .option('--key <path>', 'metadata key for --strategy weights|coral|balance, e.g. weather.temperature')
    .option('--query <file>', 'file names of the query set for --strategy similarity, one per line')
    .option('--preselected <file>', 'file names already selected (a tag or a datapool), one per line: kept as centres, never re-picked')
    .option('--seed <s>', 'seed of every random choice')
    .option('--min-distance <d>', 'stop once every sample is this close (0–2) to a selected one')
    .option('--projection-dim <p>', 'random-project embeddings to p dimensions first (faster on large sets)')
    .option('--rank-depth <r>', 'rank this many samples by exact greedy picks (default: the selection size)')
    .addHelpText('after', '\nExample: winnow select --embeddings embeddings.csv --n 100 --strategy coreset --out selection.json')
    .action(action(async (flags: SelectFlags) => runSelect(flags).catch(asUsageError)));
};

/**
 * A selection config the engine cannot use — an unknown strategy, a strength or width out of range, a key no sample
 * has, more picks than candidates — is a bad argument: exit 2 with the message, which names the field.
 */
function asUsageError(error: unknown): never {
  if (error instanceof InvalidConfigError) throw new CliError(error.message, EXIT_USAGE);
  throw error;
}

async function runSelect(flags: SelectFlags): Promise<void> {
  const raw: Record<string, unknown> = flags.config === undefined ? {} : await readSelectionConfigFile(flags.config);
  const setNumber = (field: string, value: string | undefined, flag: string, integer: boolean) => {
    if (value === undefined) return;
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x) || (integer && !Number.isInteger(x))) {
      throw new CliError(`${flag} must be ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`, EXIT_USAGE);
    }
    raw[field] = x;
  };
  setNumber('n', flags.n, '--n', true);
  setNumber('proportionSamples', flags.proportion, '--proportion', false);
  setNumber('seed', flags.seed, '--seed', true);
  setNumber('minDistance', flags.minDistance, '--min-distance', false);
  setNumber('projectionDim', flags.projectionDim, '--projection-dim', true);
  setNumber('rankDepth', flags.rankDepth, '--rank-depth', true);
  if (flags.n !== undefined) delete raw.proportionSamples;
  if (flags.proportion !== undefined) delete raw.n;
  if (flags.strategy !== undefined) {
    raw.strategy = flags.strategy;
    delete raw.strategies;
  } else if (raw.strategies === undefined && raw.strategy === undefined) {
    raw.strategy = DEFAULT_STRATEGY;
  }
  if (flags.key !== undefined) raw.key = flags.key;
  if (flags.query !== undefined) raw.queryFileNames = await readNameListFile(flags.query);
  const config = parseSelectionConfig(raw, flags.config ?? 'options');
  const preselected = flags.preselected === undefined ? undefined : await readNameListFile(flags.preselected);

  const bar = createProgressBar('select', 'picks');
  const result = await selectFromFiles({
    embeddingsPath: flags.embeddings,
    metadataPath: flags.metadata,
    ...(flags.predictions === undefined ? {} : await selectionValuesFromDatasource(flags.predictions, { endpoint: flags.endpoint }, config)),
    config,
    preselected,
    onProgress: (p) => bar.update(p),
  }).finally(() => bar.stop());
  await writeFile(flags.out, JSON.stringify(toOutput(result), null, 1) + '\n');
  process.stdout.write(escapeForTerminal(summarize(result, flags.out), { multiline: true }));
}

function toOutput(result: SelectionResult) {
  return {
    selected: result.selected,
    stoppedBy: result.stoppedBy,
    ...(result.coveringRadius === undefined ? {} : { coveringRadius: result.coveringRadius }),
    ranking: result.ranking.map((r) => ({ fileName: r.fileName, index: r.index, score: r.score, reason: r.reason })),
    stats: result.stats,
  };
}

function summarize(result: SelectionResult, out: string): string {
  const { stats } = result;
  const lines = [
    `selected ${result.selected.length} of ${stats.candidates} candidates (stopped by ${result.stoppedBy})` +
      (stats.preselected > 0 ? `, ${stats.preselected} preselected kept as centres` : '') +
      (stats.excludedByThresholds > 0 ? `, ${stats.excludedByThresholds} excluded by thresholds` : ''),
  ];
  if (result.coveringRadius !== undefined) lines.push(`covering radius ${result.coveringRadius.toFixed(4)} (every sample is within this distance of a selected one)`);
  lines.push(`ranked all ${result.ranking.length} candidates in ${stats.seconds.toFixed(2)} s${stats.kernel ? ` (${stats.kernel} kernel)` : ''}; wrote ${out}`);
  return lines.join('\n') + '\n';
}
