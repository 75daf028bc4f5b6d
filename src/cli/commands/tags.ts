import { TagBitset } from '../../tags';
import { addPlatformOptions, connectPlatform, type PlatformOptions } from '../platform-connection';
import { action, type CommandModule } from '../program';
import { resolveDataset } from './datasets';
import { escapeForTerminal } from '../terminal-text';

export const registerTagsCommand: CommandModule = (program) => {
  const command = program
    .command('tags')
    .description('List the tags of a dataset with their sizes and lineage.')
    .argument('<dataset>', 'dataset name or id')
    .option('--json', 'print JSON');
  addPlatformOptions(command).action(
    action(async (datasetRef: string, flags: PlatformOptions & { json?: boolean }) => {
      const connection = await connectPlatform(flags);
      try {
        const dataset = await resolveDataset(connection.client, datasetRef);
        const tags = await connection.client.getAllTags(dataset.id);
        // totSize is the dataset's size (Lightly's field); the tag's own size is its bit count.
        const rows = tags.map((t) => ({ ...t, size: TagBitset.fromHex(t.bitMaskData).count() }));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        const byId = new Map(tags.map((t) => [t.id, escapeForTerminal(t.name)]));
        const width = Math.max(4, ...rows.map((t) => escapeForTerminal(t.name).length));
        process.stdout.write(`${'name'.padEnd(width)}  ${'size'.padStart(7)}  from\n`);
        for (const t of rows) {
          const from = t.prevTagId ? (byId.get(t.prevTagId) ?? escapeForTerminal(t.prevTagId)) : '-';
          process.stdout.write(`${escapeForTerminal(t.name).padEnd(width)}  ${String(t.size).padStart(7)}  ${from}\n`);
        }
      } finally {
        await connection.close();
      }
    }),
  );
};

