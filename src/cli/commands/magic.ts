import { DEFAULT_MODEL_NAME } from '../../embed';
import { UPLOAD_MODES } from '../../s3';
import { DEFAULT_STRATEGY } from '../../select';
import { addPlatformOptions } from '../platform-connection';
import { action, CliError, EXIT_USAGE, type CommandModule } from '../program';
import { runCommand } from './run';

/** lightly-magic keys Winnow takes, and the `winnow run` flag each one becomes. */
const KEY_TO_FLAG: Record<string, string> = {
  input_dir: 'input',
  new_dataset_name: 'dataset',
  dataset_id: 'datasetId',
  token: 'token',
  custom_metadata: 'metadata',
  upload: 'upload',
  embeddings: 'embeddings',
  'loader.batch_size': 'batchSize',
  // Winnow's own additions, in the same key=value style.
  select: 'select',
  strategy: 'strategy',
  tag: 'tag',
  home: 'home',
  platform_url: 'platformUrl',
  model: 'model',
};

/** Prefixes of lightly-magic's training options: Winnow embeds with a pretrained model and does not train. */
const TRAINING_PREFIXES = ['trainer.', 'model.', 'criterion.', 'optimizer.', 'collate.', 'checkpoint', 'pre_trained', 'loader.'];

/**
 * Maps lightly-magic arguments onto `winnow run` flags, so `lightly-magic trainer.max_epochs=0 token=… input_dir=…`
 * ports by changing one word.
 *
 * @example
 * parseMagicArguments(['trainer.max_epochs=0', 'input_dir=/data', 'new_dataset_name=farm', 'upload=thumbnails'])
 * // → { input: '/data', dataset: 'farm', upload: 'thumbnails' }
 */
export function parseMagicArguments(args: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new CliError(`expected key=value, got ${JSON.stringify(arg)}`, EXIT_USAGE);
    const key = arg.slice(0, eq);
    const value = arg.slice(eq + 1).replace(/^(['"])(.*)\1$/, '$2');
    if (key === 'trainer.max_epochs') {
      if (value !== '0') throw new CliError(`trainer.max_epochs=${value}: Winnow does not train; it embeds with a pretrained model, so only trainer.max_epochs=0 is accepted`, EXIT_USAGE);
      continue;
    }
    const flag = KEY_TO_FLAG[key];
    if (flag) {
      flags[flag] = value;
      continue;
    }
    if (TRAINING_PREFIXES.some((p) => key.startsWith(p))) {
      throw new CliError(`${key}: Winnow does not offer lightly's training options (it embeds with a pretrained or your own ONNX model; see --model)`, EXIT_USAGE);
    }
    throw new CliError(`unknown key ${JSON.stringify(key)}; known keys: ${['trainer.max_epochs', ...Object.keys(KEY_TO_FLAG)].join(', ')}`, EXIT_USAGE);
  }
  if (flags.upload && !(UPLOAD_MODES as readonly string[]).includes(flags.upload)) {
    throw new CliError(`upload=${flags.upload}: use one of ${UPLOAD_MODES.join(', ')}`, EXIT_USAGE);
  }
  if (!flags.input && !flags.embeddings) throw new CliError('input_dir=… is required', EXIT_USAGE);
  if (!flags.dataset && !flags.datasetId) throw new CliError('new_dataset_name=… or dataset_id=… is required', EXIT_USAGE);
  return flags;
}

export const registerMagicCommand: CommandModule = (program) => {
  const command = program
    .command('magic')
    .description('lightly-magic compatible: winnow magic trainer.max_epochs=0 input_dir=… new_dataset_name=… custom_metadata=… upload=thumbnails')
    .argument('<key=value...>', 'lightly-magic arguments')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `\nEmbeds with a pretrained model instead of training one: ${DEFAULT_MODEL_NAME} (EfficientNet-Lite0, ImageNet-1k, 1280-d,\n` +
        'shipped in the package) unless model=NAME|FILE.onnx names another (`winnow models` lists the built-in ones).\n',
    );
  addPlatformOptions(command).action(
    action(async (args: string[], options: { home: string; platformUrl?: string; token?: string; json?: boolean }) => {
      const flags = parseMagicArguments(args);
      await runCommand({
        input: flags.input,
        dataset: flags.dataset ?? flags.datasetId,
        datasetId: flags.datasetId,
        metadata: flags.metadata,
        select: flags.select ?? '0.1',
        strategy: flags.strategy ?? DEFAULT_STRATEGY,
        tag: flags.tag,
        upload: (flags.upload ?? 'thumbnails') as 'full' | 'thumbnails' | 'metadata',
        embeddings: flags.embeddings,
        model: flags.model ?? DEFAULT_MODEL_NAME,
        batchSize: flags.batchSize,
        home: flags.home ?? options.home,
        // A lightly token alone means the embedded store (there is no Lightly cloud here); with a URL it is that platform's token.
        platformUrl: flags.platformUrl ?? options.platformUrl,
        token: flags.token ?? options.token,
        json: options.json,
      });
    }),
  );
};
