import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isImageName } from '../../embed/image-files';
import { discoverMetadataKeys, readCustomMetadataWithWarnings } from '../../metadata';
import { action, CliError, EXIT_USAGE, type CommandModule } from '../program';
import { escapeForTerminal } from '../terminal-text';
import { readNameListFile } from '../../name-list';


/** File names relative to `dir`, with `/` separators as lightly stores them; hidden entries are skipped. */
async function imagesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && isImageName(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((name) => !name.split('/').some((part) => part.startsWith('.')))
    .sort();
}

/** `--filenames`: a folder of images, or a text file with one file name per line. */
async function loadFileNames(listOrDir: string): Promise<string[]> {
  let info;
  try {
    info = await stat(listOrDir);
  } catch {
    throw new CliError(`--filenames: ${listOrDir} is neither a file nor a folder`, EXIT_USAGE);
  }
  if (info.isDirectory()) return imagesUnder(listOrDir);
  return readNameListFile(listOrDir);
}

export const registerMetadataCommand: CommandModule = (program) => {
  const metadata = program.command('metadata').description('Check Lightly custom-metadata JSON files.');

  metadata
    .command('validate')
    .description('Validate a custom-metadata JSON file; print counts, warnings and the key paths a selection can use.')
    .argument('<file>', 'custom metadata JSON ({"images": […], "metadata": […]})')
    .option('--filenames <listOrDir>', 'the dataset: a folder of images or a file with one file name per line')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (file: string, flags: { filenames?: string; json?: boolean }) => {
        const fileNames = flags.filenames ? await loadFileNames(flags.filenames) : undefined;
        const { metadata, warnings } = await readCustomMetadataWithWarnings(file, { fileNames });
        const keys = discoverMetadataKeys(metadata);
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ file, images: metadata.images.length, entries: metadata.metadata.length, warnings, keys }, null, 2)}\n`,
          );
          return;
        }
        process.stdout.write(`${file}: valid, ${metadata.images.length} images, ${metadata.metadata.length} with metadata\n`);
        for (const warning of warnings) process.stdout.write(`warning: ${escapeForTerminal(warning)}\n`);
        if (keys.length === 0) {
          process.stdout.write('no metadata keys\n');
          return;
        }
        const width = Math.max(...keys.map((k) => escapeForTerminal(k.path).length));
        process.stdout.write('key paths:\n');
        for (const key of keys) process.stdout.write(`  ${escapeForTerminal(key.path).padEnd(width)}  ${key.type.padEnd(7)}  ${key.count} image${key.count === 1 ? '' : 's'}\n`);
      }),
    );
};
