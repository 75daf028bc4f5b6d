import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidConfigError } from '../../errors';
import { formatHealthReport, healthCheckFolder, ISSUE_TYPES, KEEPER_RULES, parseHealthOptions, type HealthOptions } from '../../health';
import { createProgressBar } from '../progress-bar';
import { action, CliError, EXIT_USAGE, type CommandModule } from '../program';
import { escapeForTerminal } from '../terminal-text';

interface HealthFlags {
  work: string;
  out?: string;
  json?: boolean;
  threshold?: string;
  layoutThreshold?: string;
  keeper?: string;
  outlierK?: string;
  outlierThreshold?: string;
  issueThreshold: string[];
  neighbours?: string;
  model: string;
  modelConfig?: string;
}

/** `winnow health DIR`: duplicates, near duplicates, outliers and quality issues of a folder of images. */
export const registerHealthCommand: CommandModule = (program: Command) => {
  program
    .command('health')
    .description('Find exact and near duplicates (with a keeper each), outliers and quality issues (blurry, dark, light, …) in a folder of images.')
    .argument('<dir>', 'folder of images')
    .option('--work <folder>', 'keeps embeddings.csv, embeddings.measures.jsonl and health.json; a rerun embeds only new images', 'winnow-health')
    .option('--out <file>', 'also write the JSON report here')
    .option('--json', 'print the JSON report instead of the table')
    .option('--threshold <s>', 'embedding similarity (0–1] that alone makes two images near duplicates (default 0.95)')
    .option('--layout-threshold <s>', 'lower similarity (0–1] that suffices when the two layouts agree (default 0.8)')
    .option('--keeper <rule>', `which copy to keep: ${KEEPER_RULES.join(', ')}`)
    .option('--outlier-k <k>', 'outlier score = distance to the k-th neighbour')
    .option('--outlier-threshold <d>', 'absolute outlier distance (0–2]; default relative to the dataset')
    .option('--issue-threshold <type=value>', `absolute threshold of an issue (${ISSUE_TYPES.join(', ')}), repeatable`, collect, [])
    .option('--neighbours <auto|exact|ann>', 'neighbour search (auto: exact up to 20,000 images)')
    .option('--model <default|path>', 'embedding model, as for winnow embed', 'default')
    .option('--model-config <file>', 'JSON model config for a custom model')
    .addHelpText('after', '\nExamples:\n  winnow health photos/\n  winnow health photos/ --threshold 0.95 --keeper sharpest --issue-threshold dark=0.15 --out health.json')
    .action(action(async (dir: string, flags: HealthFlags) => runHealth(dir, flags)));
};

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Flags → validated options; any bad value is a usage error (exit 2) naming the flag's field. */
export function healthOptionsFromFlags(flags: Omit<HealthFlags, 'work' | 'model'>): HealthOptions {
  const raw: Record<string, unknown> = {};
  const num = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x)) throw new CliError(`${flag} must be a number, got ${JSON.stringify(value)}`, EXIT_USAGE);
    return x;
  };
  if (flags.threshold !== undefined) raw.nearDuplicateThreshold = num('--threshold', flags.threshold);
  if (flags.layoutThreshold !== undefined) raw.layoutThreshold = num('--layout-threshold', flags.layoutThreshold);
  if (flags.keeper !== undefined) raw.keeper = flags.keeper;
  if (flags.outlierK !== undefined) raw.outlierK = num('--outlier-k', flags.outlierK);
  if (flags.outlierThreshold !== undefined) raw.outlierThreshold = num('--outlier-threshold', flags.outlierThreshold);
  if (flags.neighbours !== undefined) raw.neighbours = flags.neighbours;
  if (flags.issueThreshold.length > 0) {
    const thresholds: Record<string, number | undefined> = {};
    for (const pair of flags.issueThreshold) {
      const [type, value] = pair.split('=');
      if (value === undefined) throw new CliError(`--issue-threshold takes TYPE=VALUE, got ${JSON.stringify(pair)}`, EXIT_USAGE);
      thresholds[type] = num(`--issue-threshold ${type}`, value);
    }
    raw.thresholds = thresholds;
  }
  try {
    return parseHealthOptions(raw, 'health');
  } catch (error) {
    if (error instanceof InvalidConfigError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
}

async function runHealth(dir: string, flags: HealthFlags): Promise<void> {
  const options = healthOptionsFromFlags(flags);
  const bar = createProgressBar('embed + measure');
  let result;
  try {
    result = await healthCheckFolder({
      inputDir: dir,
      workDir: flags.work,
      options,
      model: flags.model,
      modelConfig: flags.modelConfig,
      onProgress: (stage, p) => (stage === 'embed' ? bar.update(p) : undefined),
      onWarning: (message) => process.stderr.write(`winnow: warning: ${escapeForTerminal(message, { multiline: true })}\n`),
    });
  } finally {
    bar.stop();
  }
  if (flags.out !== undefined) await writeFile(flags.out, JSON.stringify(result.report, null, 1) + '\n');
  if (flags.json) {
    process.stdout.write(JSON.stringify(result.report, null, 1) + '\n');
    return;
  }
  process.stdout.write(escapeForTerminal(formatHealthReport(result.report), { multiline: true }));
  process.stdout.write(`\nreport: ${result.reportFile} (${result.embedded} newly embedded, ${result.seconds.toFixed(1)} s)\n`);
}
