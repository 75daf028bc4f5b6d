import { Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { addPlatformOptions, connectPlatform, type PlatformOptions } from '../platform-connection';
import { action, type CommandModule } from '../program';
import { resolveDataset } from './datasets';
import { escapeForTerminal } from '../terminal-text';

type ExportFormat = 'filenames' | 'csv' | 'json';

export const registerExportCommand: CommandModule = (program) => {
  const command = program
    .command('export')
    .description('Print the file names of a tag: one per line, as CSV (fileName,thumbName,width,height) or as JSON.')
    .argument('<dataset>', 'dataset name or id')
    .requiredOption('--tag <name>', 'tag name')
    .option('--new-since <tag>', 'only the samples not in this tag (e.g. the previous round, to label just the new picks)')
    .option('--new-in-round', "only the samples new in the tag's round (not in the selection's preselected tag)")
    .addOption(new Option('--format <format>', 'output format').choices(['filenames', 'csv', 'json']).default('filenames'));
  addPlatformOptions(command).action(
    action(async (datasetRef: string, flags: PlatformOptions & { tag: string; format: ExportFormat; newSince?: string; newInRound?: boolean }) => {
      const connection = await connectPlatform(flags);
      try {
        const dataset = await resolveDataset(connection.client, datasetRef);
        let fileNames: string[];
        if (flags.newSince !== undefined || flags.newInRound) {
          const { client } = connection;
          const tag = await client.getTagByName(dataset.id, flags.tag);
          const since = flags.newSince === undefined ? undefined : (await client.getTagByName(dataset.id, flags.newSince)).id;
          const round = await client.getRoundSamples(dataset.id, tag.id, since);
          process.stderr.write(`round ${round.round}: ${round.fileNames.length} sample(s) new in ${escapeForTerminal(flags.tag)}\n`);
          fileNames = round.fileNames;
        } else {
          fileNames = await connection.client.exportFilenamesByTagName(dataset.id, flags.tag);
        }
        if (flags.format === 'filenames') {
          // One name a line: a name holding a line break or an escape sequence is shown escaped, never raw.
          process.stdout.write(fileNames.map((f) => `${escapeForTerminal(f)}\n`).join(''));
          return;
        }
        const wanted = new Set(fileNames);
        const samples = [];
        for await (const sample of connection.client.iterateSamples(dataset.id)) if (wanted.has(sample.fileName)) samples.push(sample);
        if (flags.format === 'json') {
          process.stdout.write(`${JSON.stringify({ dataset: { id: dataset.id, name: dataset.name }, tag: flags.tag, samples }, null, 2)}\n`);
          return;
        }
        const rows = samples.map((s) => {
          const meta = (s.metaData ?? {}) as Record<string, unknown>;
          return [s.fileName, s.thumbName ?? '', meta.width ?? '', meta.height ?? ''];
        });
        process.stdout.write(stringify(rows, { header: true, columns: ['fileName', 'thumbName', 'width', 'height'] }));
      } finally {
        await connection.close();
      }
    }),
  );
};

