import { listBuiltinModels, type BuiltinModelInfo } from '../../embed/list-models';
import { action, CliError, EXIT_USAGE, type CommandModule } from '../program';

/** `winnow models`: the built-in embedding models, their size and speed on this machine. */
export const registerModelsCommand: CommandModule = (program) => {
  program
    .command('models')
    .description('List the built-in embedding models (for --model NAME) with dimension, file size and images/s on this machine')
    .option('--no-measure', 'skip the speed measurement')
    .option('--images <n>', 'images per speed measurement', '32')
    .option('--json', 'print the list as JSON')
    .action(
      action(async (flags: { measure: boolean; images: string; json?: boolean }) => {
        const images = Number(flags.images);
        if (!Number.isInteger(images) || images < 1) throw new CliError(`--images must be a positive integer, got ${JSON.stringify(flags.images)}`, EXIT_USAGE);
        const models = await listBuiltinModels({ measure: flags.measure, images });
        process.stdout.write(flags.json ? `${JSON.stringify(models, null, 2)}\n` : formatModels(models));
      }),
    );
};

export function formatModels(models: BuiltinModelInfo[]): string {
  const lines = models.map((m) => {
    const speed = m.imagesPerSecond === undefined ? '' : `, ${m.imagesPerSecond.toFixed(1)} images/s (model only, batch 8)`;
    return `${m.name}${m.isDefault ? ' (default)' : ''}: ${m.dim}-d, ${(m.bytes / 1e6).toFixed(1)} MB${speed}\n  ${m.description}\n  id ${m.id}`;
  });
  return `${lines.join('\n')}\nUse one with --model NAME, or pass --model FILE.onnx --model-config FILE.json for your own.\n`;
}
