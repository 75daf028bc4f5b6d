import type { WinnowError } from '../../errors';
import type { PlatformClient } from '../../platform';
import { addPlatformOptions, connectPlatform, type PlatformOptions } from '../platform-connection';
import { action, type CommandModule } from '../program';
import { escapeForTerminal } from '../terminal-text';

/** Finds a dataset by id or, failing that, by name — commands take either, as the web app shows both. */
export async function resolveDataset(client: PlatformClient, idOrName: string) {
  try {
    return await client.getDatasetById(idOrName);
  } catch (error) {
    if ((error as WinnowError).code !== 'NOT_FOUND' && (error as WinnowError).code !== 'INVALID_INPUT') throw error;
    return client.getDatasetByName(idOrName);
  }
}

export const registerDatasetsCommand: CommandModule = (program) => {
  const command = program.command('datasets').description('List the datasets of the platform with their sample counts.').option('--json', 'print JSON');
  addPlatformOptions(command).action(
    action(async (flags: PlatformOptions & { json?: boolean }) => {
      const connection = await connectPlatform(flags);
      try {
        const datasets = await connection.client.getDatasets();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(datasets, null, 2)}\n`);
          return;
        }
        if (datasets.length === 0) {
          process.stdout.write('No datasets yet. Create one with: npx winnow run --input DIR --dataset NAME\n');
          return;
        }
        const names = datasets.map((d) => escapeForTerminal(d.name));
        const width = Math.max(4, ...names.map((name) => name.length));
        process.stdout.write(`${'name'.padEnd(width)}  ${'samples'.padStart(8)}  id\n`);
        datasets.forEach((d, i) => process.stdout.write(`${names[i].padEnd(width)}  ${String(d.nSamples ?? 0).padStart(8)}  ${escapeForTerminal(d.id)}\n`));
      } finally {
        await connection.close();
      }
    }),
  );
};
