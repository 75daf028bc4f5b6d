import path from 'node:path';
import { Option } from 'commander';
import { DEFAULT_MODEL_NAME } from '../../embed';
import { runPipeline, type RunEvent, type RunPipelineOptions, type RunSummary } from '../../run/run-pipeline';
import { RUN_STEPS, type RunStep } from '../../run/run-state';
import { UPLOAD_MODES, type UploadMode } from '../../s3';
import { DEFAULT_STRATEGY, readSelectionConfigFile } from '../../select';
import { addPlatformOptions, connectPlatform, type PlatformOptions } from '../platform-connection';
import { action, CliError, EXIT_USAGE, type CommandModule } from '../program';
import { createProgressBar, type ProgressBar } from '../progress-bar';
import { escapeForTerminal } from '../terminal-text';

interface RunFlags extends PlatformOptions {
  input: string;
  dataset: string;
  datasetId?: string;
  metadata?: string;
  select: string;
  strategy?: string;
  selectionConfig?: string;
  tag?: string;
  upload: UploadMode;
  embeddings?: string;
  model?: string;
  modelConfig?: string;
  batchSize?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  json?: boolean;
  incremental?: boolean;
  datapoolTags?: string;
  health?: boolean;
  predictions?: string;
  predict?: string;
  predictConfig?: string;
}

const STEP_LABELS: Record<RunStep, string> = {
  check: 'check',
  sync: 'sync',
  embed: 'embed',
  save: 'save CSV + platform',
  metadata: 'custom metadata',
  predictions: 'predictions (stored with their scores)',
  health: 'health (duplicates, outliers, issues)',
  select: 'select',
  tag: 'tag',
};

export const registerRunCommand: CommandModule = (program) => {
  const command = program
    .command('run')
    .description('Run the whole pipeline in process: sync (S3) → embed → save embeddings → platform → select → tag.')
    .requiredOption('--input <dir|s3://bucket/prefix>', 'images: a local folder or an S3 prefix')
    .requiredOption('--dataset <name>', 'platform dataset name (created when missing, reused when present)')
    .option('--metadata <file>', 'custom metadata in the Lightly COCO-like format')
    .option('--select <n|fraction>', 'how many to keep: a count, or a fraction such as 0.1', '0.1')
    .option('--strategy <name>', 'selection strategy: coverage-diversity, coverage, typicality, coreset, random, …', DEFAULT_STRATEGY)
    .option('--selection-config <file>', 'full selection config JSON (strategies, weights, thresholds, balance)')
    .option('--tag <name>', 'name of the tag to create; {date}, {time} and {n} are filled in (default <strategy>-{n})')
    .option('--health', 'after save: tag duplicates, outliers and quality issues, and select only from duplicates-removed')
    .option('--predictions <datasource>', 'store Lightly-format predictions (folder or s3:// prefix with .lightly/predictions) for SCORES/PREDICTIONS selection inputs')
    .option('--predict <model>', "make predictions first: 'default' (the default model's ImageNet classifier) or an .onnx classifier with --predict-config; task 'classifier'")
    .option('--predict-config <file>', 'predictor config JSON of a --predict .onnx model (categories, softmax|probabilities, input preprocessing)')
    .option('--incremental', 'embed only images not embedded by an earlier run; the selection keeps earlier picks (the datapool)')
    .option('--datapool-tags <template>', 'which earlier tags are the datapool: a tag template, * = any text (default: --tag)')
    .addOption(new Option('--upload <mode>', 'what leaves the machine: images+thumbnails, thumbnails, or metadata only').choices([...UPLOAD_MODES]).default('thumbnails'))
    .option('--embeddings <file>', 'use this precomputed Lightly embeddings CSV instead of embedding')
    .option('--model <name|file.onnx>', `embedding model: a built-in one (\`winnow models\`; default ${DEFAULT_MODEL_NAME}) or an .onnx file`, DEFAULT_MODEL_NAME)
    .option('--model-config <file>', 'config of a custom ONNX model (input size, layout, mean/std, output)')
    .option('--batch-size <n>', 'images per inference batch')
    .option('--endpoint <url>', 'S3 endpoint for an s3:// input (MinIO, …)')
    .option('--region <region>', 'S3 region')
    .option('--path-style', 'S3 path-style addressing (MinIO)')
    .option('--json', 'print the summary as JSON');
  addPlatformOptions(command).action(action(runCommand));
};

export async function runCommand(flags: RunFlags): Promise<void> {
  const select = Number(flags.select);
  if (!Number.isFinite(select) || select <= 0) throw new CliError(`--select must be a count or a fraction, got ${JSON.stringify(flags.select)}`, EXIT_USAGE);
  const connection = await connectPlatform(flags);
  const bars = new Map<RunStep, ProgressBar>();
  const onEvent = flags.json ? undefined : (event: RunEvent) => reportEvent(event, bars);
  const abort = new AbortController();
  const onSigint = () => abort.abort(new CliError('interrupted; rerun the same command to continue where it stopped'));
  process.once('SIGINT', onSigint);
  try {
    const options: RunPipelineOptions = {
      input: flags.input,
      dataset: flags.dataset,
      datasetId: flags.datasetId,
      metadataPath: flags.metadata,
      select,
      strategy: flags.strategy,
      selectionConfig: flags.selectionConfig ? await readSelectionConfigFile(flags.selectionConfig) : undefined,
      tagName: flags.tag,
      upload: flags.upload,
      embeddingsPath: flags.embeddings,
      model: flags.model,
      modelConfig: flags.modelConfig,
      batchSize: flags.batchSize ? Number(flags.batchSize) : undefined,
      incremental: flags.incremental,
      datapoolTags: flags.datapoolTags,
      health: flags.health,
      ...(flags.predictions !== undefined || flags.predict !== undefined
        ? {
            predictions: {
              ...(flags.predictions !== undefined ? { datasource: flags.predictions } : {}),
              ...(flags.predict !== undefined ? { model: flags.predict } : {}),
              ...(flags.predictConfig !== undefined ? { modelConfig: path.resolve(flags.predictConfig) } : {}),
            },
          }
        : {}),
      connection,
      s3: {
        endpoint: flags.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL,
        region: flags.region ?? process.env.AWS_REGION,
        forcePathStyle: flags.pathStyle,
      },
      onEvent,
      signal: abort.signal,
    };
    const summary = await runPipeline(options);
    process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : escapeForTerminal(formatSummary(summary), { multiline: true }));
  } finally {
    for (const bar of bars.values()) bar.stop();
    process.off('SIGINT', onSigint);
    await connection.close();
  }
}

function reportEvent(event: RunEvent, bars: Map<RunStep, ProgressBar>): void {
  const n = RUN_STEPS.indexOf(event.step) + 1;
  if (event.type === 'step-start') {
    process.stderr.write(`[${n}/${RUN_STEPS.length}] ${STEP_LABELS[event.step]}${event.resumed ? ' (done in an earlier run)' : ''}\n`);
  } else if (event.type === 'step-progress') {
    let bar = bars.get(event.step);
    if (!bar) bars.set(event.step, (bar = createProgressBar(STEP_LABELS[event.step], event.step === 'sync' ? 'objects' : 'images')));
    bar.update(event.progress);
  } else {
    bars.get(event.step)?.stop();
    bars.delete(event.step);
  }
}

/** The summary table printed after a run. */
export function formatSummary(s: RunSummary): string {
  const rows: Array<[string, string]> = [
    ['dataset', `${s.dataset.name} (id ${s.dataset.id})`],
    ['images found', String(s.imagesFound)],
    ['embedded', String(s.embedded)],
    ['skipped', s.skipped.length === 0 ? '0' : `${s.skipped.length}: ${s.skipped.map((k) => `${k.file} (${k.reason})`).join('; ')}`],
    ['selected', String(s.selected)],
    ['tag', `${s.tag.name} (id ${s.tag.id})`],
    ['embeddings CSV', s.csvPath],
  ];
  for (const step of RUN_STEPS) {
    const record = s.steps[step];
    if (record) rows.push([`time: ${STEP_LABELS[step]}`, `${record.seconds.toFixed(1)} s`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return `\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

