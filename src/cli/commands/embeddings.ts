import {
  DEFAULT_WHITEN_COMPONENTS,
  DEFAULT_WHITEN_SHRINKAGE,
  centerEmbeddingsFile,
  mergeEmbeddingsFiles,
  validateEmbeddingsFile,
  whitenEmbeddingsFile,
} from '../../embeddings';
import { CliError, EXIT_USAGE, action, type CommandModule } from '../program';
import { createProgressBar } from '../progress-bar';

export const registerEmbeddingsCommand: CommandModule = (program) => {
  const embeddings = program.command('embeddings').description('Check and combine Lightly-compatible embeddings CSV files.');

  embeddings
    .command('validate')
    .description('Validate an embeddings CSV the way lightly does (and stricter: values, labels, duplicates); print rows and dimensions.')
    .argument('<file>', 'embeddings CSV (filenames,embedding_0,…,labels)')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (file: string, flags: { json?: boolean }) => {
        const result = await validateEmbeddingsFile(file);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ file, ...result })}\n`);
          return;
        }
        process.stdout.write(`${file}: valid, ${result.rows} rows, ${result.dim} dimensions\n`);
        if (!result.canonical) {
          process.stdout.write(`note: extra columns (masked/selected/after labels) are ignored; \`winnow embeddings merge ${file} --out FILE\` writes them out\n`);
        }
      }),
    );

  embeddings
    .command('merge')
    .description('Merge embeddings CSVs into one canonical file; rows of later files replace rows with the same file name. One input = canonical rewrite.')
    .argument('<inputs...>', 'embeddings CSV files, oldest first')
    .requiredOption('--out <file>', 'output CSV (may be one of the inputs)')
    .action(
      action(async (inputs: string[], flags: { out: string }) => {
        const result = await mergeEmbeddingsFiles(inputs, flags.out);
        const replaced = result.replaced > 0 ? `, ${result.replaced} rows replaced by later files` : '';
        process.stdout.write(`${flags.out}: ${result.rows} rows, ${result.dim} dimensions${replaced}\n`);
      }),
    );

  embeddings
    .command('center')
    .description('Subtract the dataset\'s mean embedding from every row and re-normalise (helps kNN on colour photos, hurts on small grey glyphs; see README).')
    .argument('<file>', 'embeddings CSV of the whole dataset')
    .requiredOption('--out <file>', 'output CSV (may be the input)')
    .action(
      action(async (file: string, flags: { out: string }) => {
        const result = await centerEmbeddingsFile(file, flags.out);
        process.stdout.write(`${flags.out}: ${result.rows} rows centered, ${result.dim} dimensions\n`);
      }),
    );

  embeddings
    .command('whiten')
    .description(
      'PCA-whiten with shrinkage, fitted on the file itself (raises kNN on every measured set; helps small grey glyphs most, costs colour photos a little few-shot accuracy; see README).',
    )
    .argument('<file>', 'embeddings CSV of the whole dataset')
    .requiredOption('--out <file>', 'output CSV (may be the input)')
    .option('--components <n>', 'principal components kept (the output dimension)', String(DEFAULT_WHITEN_COMPONENTS))
    .option('--shrinkage <s>', "added to every component's variance, in units of the kept components' mean variance (0 = plain whitening)", String(DEFAULT_WHITEN_SHRINKAGE))
    .option('--json', 'print the result as JSON')
    .action(
      action(async (file: string, flags: { out: string; components: string; shrinkage: string; json?: boolean }) => {
        const components = Number(flags.components);
        if (!Number.isInteger(components) || components < 1) {
          throw new CliError(`--components must be a positive integer, got ${JSON.stringify(flags.components)}`, EXIT_USAGE);
        }
        const shrinkage = Number(flags.shrinkage);
        if (flags.shrinkage.trim() === '' || !Number.isFinite(shrinkage) || shrinkage < 0) {
          throw new CliError(`--shrinkage must be a number ≥ 0, got ${JSON.stringify(flags.shrinkage)}`, EXIT_USAGE);
        }
        const bars = { covariance: createProgressBar('covariance', 'rows'), whiten: createProgressBar('whiten', 'rows') };
        let result;
        try {
          result = await whitenEmbeddingsFile(file, flags.out, { components, shrinkage, onProgress: (pass, p) => bars[pass].update(p) });
        } finally {
          bars.covariance.stop();
          bars.whiten.stop();
        }
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ file, out: flags.out, ...result })}\n`);
          return;
        }
        process.stdout.write(
          `${flags.out}: ${result.rows} rows whitened, ${result.dim} → ${result.components} dimensions (shrinkage ${result.shrinkage}), model ${result.model}\n`,
        );
      }),
    );
};
