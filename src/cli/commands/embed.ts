import type { Command } from 'commander';
import { DEFAULT_BATCH_SIZE, DEFAULT_MODEL_NAME, embedImages, type EmbedResult } from '../../embed';
import { createProgressBar } from '../progress-bar';
import { action, CliError, EXIT_USAGE, type CommandModule } from '../program';
import { escapeForTerminal } from '../terminal-text';

interface EmbedFlags {
  out: string;
  model: string;
  modelConfig?: string;
  batchSize?: string;
  resume: boolean;
  backend?: string;
  executionProvider?: string;
  threads?: string;
  json?: boolean;
}

/** `winnow embed DIR --out FILE`: embed a folder of images into a Lightly embeddings CSV. */
export const registerEmbed: CommandModule = (program: Command) => {
  program
    .command('embed')
    .description('Embed every image in a folder with an ONNX model and write (or resume) a Lightly embeddings CSV.')
    .argument('<dir>', 'folder of images; the first sub-folder of each file becomes its label, as in lightly')
    .requiredOption('--out <file>', 'embeddings CSV to write; if it exists, only missing images are embedded')
    .option('--model <name|file.onnx>', `a built-in model (see \`winnow models\`; default ${DEFAULT_MODEL_NAME}: EfficientNet-Lite0, ImageNet, 1280-d, shipped offline) or a path to an .onnx image model`, DEFAULT_MODEL_NAME)
    .option('--model-config <file>', 'JSON model config for a custom model (input size, layout, mean/std, output, pooling)')
    .option('--batch-size <n>', 'images per inference batch', String(DEFAULT_BATCH_SIZE))
    .option('--no-resume', 'start a new CSV instead of continuing an existing one')
    .option('--backend <auto|node|wasm>', 'ONNX Runtime build (auto: native, WASM if the native one cannot load)')
    .option('--execution-provider <cpu|cuda>', 'where the model runs (cuda falls back to cpu when unavailable; not measured on a GPU yet)', 'cpu')
    .option('--threads <n>', 'threads for one inference (default: one per core; fewer where other work shares the cores)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  winnow embed data/ --out embeddings.csv\n' +
        '  winnow embed data/ --out old.csv --model nsfwjs-mobilenet_v2\n' +
        '  winnow embed data/ --out clip.csv --model clip-visual.onnx --model-config clip.json --batch-size 16',
    )
    .action(action(async (dir: string, flags: EmbedFlags) => runEmbed(dir, flags)));
};

function parseFlags(flags: EmbedFlags) {
  const batchSize = Number(flags.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new CliError(`--batch-size must be a positive integer, got ${JSON.stringify(flags.batchSize)}`, EXIT_USAGE);
  }
  const backend = flags.backend ?? 'auto';
  if (!['auto', 'node', 'wasm'].includes(backend)) throw new CliError(`--backend must be auto, node or wasm`, EXIT_USAGE);
  const executionProvider = flags.executionProvider ?? 'cpu';
  if (executionProvider !== 'cpu' && executionProvider !== 'cuda') {
    throw new CliError(`--execution-provider must be cpu or cuda`, EXIT_USAGE);
  }
  const threads = flags.threads === undefined ? undefined : Number(flags.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 256)) {
    throw new CliError(`--threads must be a positive integer, got ${JSON.stringify(flags.threads)}`, EXIT_USAGE);
  }
  return { batchSize, backend: backend as 'auto' | 'node' | 'wasm', executionProvider: executionProvider as 'cpu' | 'cuda', threads };
}

async function runEmbed(dir: string, flags: EmbedFlags): Promise<void> {
  const { batchSize, backend, executionProvider, threads } = parseFlags(flags);
  const bar = createProgressBar('embed');
  // First Ctrl-C stops after the current batch with the CSV intact (rerun to resume); a second one exits at once.
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new CliError('interrupted; the rows written so far are kept, run the same command again to resume', 130));
  };
  process.on('SIGINT', onSigint);
  let result: EmbedResult;
  try {
    result = await embedImages({
      inputDir: dir,
      outCsv: flags.out,
      model: flags.model,
      modelConfig: flags.modelConfig,
      batchSize,
      resume: flags.resume,
      backend,
      executionProvider,
      threads,
      signal: controller.signal,
      onProgress: (p) => bar.update(p),
      onWarning: (message) => process.stderr.write(`winnow: warning: ${escapeForTerminal(message, { multiline: true })}\n`),
    });
  } finally {
    bar.stop();
    process.off('SIGINT', onSigint);
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(escapeForTerminal(formatSummary(result), { multiline: true }));
}

/** The human summary: counts, model, speed, every skipped file with its reason, and where the CSV is. */
export function formatSummary(result: EmbedResult): string {
  const lines: string[] = [];
  const rate = result.seconds > 0 ? ` (${(result.embedded / result.seconds).toFixed(1)} images/s)` : '';
  lines.push(`Embedded ${result.embedded} of ${result.total} files in ${result.seconds.toFixed(1)} s${rate}`);
  lines.push(`Model: ${result.modelId}, ${result.dim}-d`);
  if (result.alreadyPresent > 0) lines.push(`Already in the CSV (resumed): ${result.alreadyPresent}`);
  if (result.skipped.length > 0) {
    lines.push(`Skipped ${result.skipped.length}:`);
    for (const s of result.skipped) lines.push(`  ${s.file}: ${s.reason}`);
  }
  lines.push(`CSV: ${result.csvPath}`);
  return `${lines.join('\n')}\n`;
}
