import { centerEmbeddingsFile, mergeEmbeddingsFiles, validateEmbeddingsFile } from '../../embeddings';
import { action, type CommandModule } from '../program';

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
};
