import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidConfigError } from '../../errors';
import {
  formatHealthReport,
  healthCheckFolder,
  ISSUE_TYPES,
  KEEPER_RULES,
  parseHealthOptions,
  publishHealth,
  readMeasuresFile,
  type HealthOptions,
  type HealthReport,
} from '../../health';
import { addPlatformOptions, connectPlatform, type PlatformOptions } from '../platform-connection';
import { createProgressBar } from '../progress-bar';
import { action, CliError, EXIT_USAGE, type CommandModule } from '../program';
import { escapeForTerminal } from '../terminal-text';

interface HealthFlags extends PlatformOptions {
  index?: string;
  dataset?: string;
  embedding?: string;
  tagPrefix?: string;
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
  const command = program
    .command('health')
    .description(
      'Find exact and near duplicates (with a keeper each), outliers and quality issues (blurry, dark, light, …) in a folder of images or a platform dataset.',
    )
    .argument('[dir]', 'folder of images (embedded and measured in one pass); leave out with --dataset to run the platform job')
    .option('--dataset <name>', 'platform dataset: with DIR, put the measures into its samples\' metaData and tag the findings; alone, run its health job')
    .option('--embedding <name>', 'with --dataset alone: the embedding to analyse (default: the newest)')
    .option('--tag-prefix <p>', 'put before every tag name (duplicates-removed, outliers, blurry, …)', '')
    .option('--work <folder>', 'keeps embeddings.csv, embeddings.measures.jsonl and health.json; a rerun embeds only new images', 'winnow-health')
    .option('--out <file>', 'also write the JSON report here')
    .option('--json', 'print the JSON report instead of the table')
    .option('--index <file>', 'persistent ANN index (usearch): images new to it are checked against it as a batch, then added (no rebuild)')
    .option('--threshold <s>', 'embedding similarity (0–1] that alone makes two images near duplicates (default 0.95)')
    .option('--layout-threshold <s>', 'lower similarity (0–1] that suffices when the two layouts agree (default 0.8)')
    .option('--keeper <rule>', `which copy to keep: ${KEEPER_RULES.join(', ')}`)
    .option('--outlier-k <k>', 'outlier score = distance to the k-th neighbour')
    .option('--outlier-threshold <d>', 'absolute outlier distance (0–2]; default relative to the dataset')
    .option('--issue-threshold <type=value>', `absolute threshold of an issue (${ISSUE_TYPES.join(', ')}), repeatable`, collect, [])
    .option('--neighbours <auto|exact|ann>', 'neighbour search (auto: exact up to 20,000 images)')
    .option('--model <default|path>', 'embedding model, as for winnow embed', 'default')
    .option('--model-config <file>', 'JSON model config for a custom model')
    .addHelpText(
      'after',
      '\nExamples:\n  winnow health photos/\n  winnow health photos/ --threshold 0.97 --keeper sharpest --issue-threshold dark=0.3 --out health.json\n' +
        '  winnow health photos/ --dataset cows        # measures → metaData, tags duplicates-removed, blurry, …\n  winnow health --dataset cows                # the platform job over the uploaded embedding',
    )
    .action(action(async (dir: string | undefined, flags: HealthFlags) => runHealth(dir, flags)));
  addPlatformOptions(command);
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

async function runHealth(dir: string | undefined, flags: HealthFlags): Promise<void> {
  const options = healthOptionsFromFlags(flags);
  if (dir === undefined) {
    if (flags.dataset === undefined) throw new CliError('give a folder of images, or --dataset NAME to run the platform job', EXIT_USAGE);
    return runDatasetHealth(flags.dataset, options, flags);
  }
  const bar = createProgressBar('embed + measure');
  let result;
  try {
    result = await healthCheckFolder({
      inputDir: dir,
      workDir: flags.work,
      options,
      model: flags.model,
      modelConfig: flags.modelConfig,
      index: flags.index,
      onProgress: (stage, p) => (stage === 'embed' ? bar.update(p) : undefined),
      onWarning: (message) => process.stderr.write(`winnow: warning: ${escapeForTerminal(message, { multiline: true })}\n`),
    });
  } finally {
    bar.stop();
  }
  if (flags.out !== undefined) await writeFile(flags.out, JSON.stringify(result.report, null, 1) + '\n');
  let published = '';
  if (flags.dataset !== undefined) {
    const connection = await connectPlatform(flags);
    try {
      const dataset = await connection.client.getDatasetByName(flags.dataset);
      const done = await publishHealth(connection.client, dataset.id, result.report, await readMeasuresFile(result.measuresFile), { tagPrefix: flags.tagPrefix });
      published =
        `\ndataset ${flags.dataset}: measures in ${done.measured} samples' metaData` +
        (done.missing > 0 ? ` (${done.missing} measured files have no sample there)` : '') +
        `; tags ${done.tags.map((t) => `${t.name} (${t.count})`).join(', ')}\n`;
    } finally {
      await connection.close();
    }
  }
  print(result.report, flags);
  if (flags.json) return;
  process.stdout.write(`\nreport: ${result.reportFile} (${result.embedded} newly embedded, ${result.seconds.toFixed(1)} s)\n${published}`);
  const { batch } = result;
  if (batch) {
    process.stdout.write(`\nindex ${flags.index}: ${batch.added} new images checked against ${batch.indexed - batch.added} indexed (${batch.seconds.toFixed(2)} s)\n`);
    for (const d of batch.duplicates) {
      process.stdout.write(escapeForTerminal(`  ${d.fileName}: ${d.kind} duplicate of ${d.of}${d.kind === 'near' ? ` (${d.similarity})` : ''}${d.existing ? '' : ' (same batch)'}\n`));
    }
  }
}

async function runDatasetHealth(name: string, options: HealthOptions, flags: HealthFlags): Promise<void> {
  const connection = await connectPlatform(flags);
  try {
    const { client } = connection;
    const dataset = await client.getDatasetByName(name);
    const embeddings = (await client.getEmbeddings(dataset.id)).filter((e) => e.isProcessed);
    const embedding = flags.embedding === undefined ? embeddings[0] : embeddings.find((e) => e.name === flags.embedding);
    if (embedding === undefined) {
      throw new CliError(
        flags.embedding === undefined
          ? `dataset ${JSON.stringify(name)} has no embeddings: embed the images first (winnow embed, then winnow embeddings upload; or winnow run)`
          : `dataset ${JSON.stringify(name)} has no embedding named ${JSON.stringify(flags.embedding)}`,
      );
    }
    const { jobId } = await client.startHealth(dataset.id, embedding.id, { options: { ...options }, tagPrefix: flags.tagPrefix });
    await client.waitForJob(jobId);
    const report = await client.getHealthReport(dataset.id, jobId);
    if (flags.out !== undefined) await writeFile(flags.out, JSON.stringify(report, null, 1) + '\n');
    print(report, flags);
    if (!flags.json) process.stdout.write(`\nhealth job ${jobId} on ${name} (embedding ${embedding.name}); tags made with prefix ${JSON.stringify(flags.tagPrefix ?? '')}\n`);
  } finally {
    await connection.close();
  }
}

function print(report: HealthReport, flags: HealthFlags): void {
  if (flags.json) {
    process.stdout.write(JSON.stringify(report, null, 1) + '\n');
    return;
  }
  process.stdout.write(escapeForTerminal(formatHealthReport(report), { multiline: true }));
}
