import path from 'node:path';
import { generateDemoDataset } from '../../demo/generate-demo-dataset';
import { DEFAULT_STRATEGY } from '../../select';
import { addPlatformOptions } from '../platform-connection';
import { action, type CommandModule } from '../program';
import { runCommand } from './run';

interface DemoFlags {
  home: string;
  perGroup: string;
  select: string;
  json?: boolean;
}

export const registerDemoCommand: CommandModule = (program) => {
  const command = program
    .command('demo')
    .description('Make a small offline image set (groups, near-duplicates, corrupt files, custom metadata) and run the whole pipeline on it.')
    .option('--per-group <n>', 'images per visual group (6 groups)', '40')
    .option('--select <n|fraction>', 'how many to keep', '0.1')
    .option('--json', 'print the summary as JSON');
  addPlatformOptions(command).action(
    action(async (flags: DemoFlags) => {
      const home = path.resolve(flags.home);
      const dir = path.join(home, 'demo');
      process.stderr.write(`Generating the demo image set in ${dir} …\n`);
      const demo = await generateDemoDataset({ dir, perGroup: Number(flags.perGroup) });
      process.stderr.write(`${demo.images} images (${demo.nearDuplicates} near-duplicates) and ${demo.corruptFiles.length} corrupt files\n`);
      await runCommand({
        input: demo.imagesDir,
        dataset: 'winnow-demo',
        metadata: demo.metadataPath,
        select: flags.select,
        // The default strategy, as a new user's `winnow run` gets it.
        strategy: DEFAULT_STRATEGY,
        tag: 'demo-selection',
        upload: 'thumbnails',
        home,
        json: flags.json,
      });
      if (!flags.json && process.exitCode === undefined) {
        process.stdout.write(
          `\nNext:\n` +
            `  npx winnow tags winnow-demo --home ${home}                          # the tags, with sizes\n` +
            `  npx winnow export winnow-demo --tag demo-selection --home ${home}   # the selected file names\n` +
            `  npx winnow token create --home ${home} && npx winnow serve --home ${home}   # browse it in the web app\n`,
        );
      }
    }),
  );
};
