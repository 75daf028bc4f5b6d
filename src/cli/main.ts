import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createProgram, runProgram, type CommandModule } from './program';
import { registerEmbeddingsCommand } from './commands/embeddings';
import { registerMetadataCommand } from './commands/metadata';
import { registerPredictCommand, registerPredictionsCommand } from './commands/predictions';
import { registerServeCommand } from './commands/serve';
import { registerTokenCommand } from './commands/token';
import { registerWorkerCommand } from './commands/worker';
import { registerPipelineCommand } from './commands/pipeline';
import { registerScheduleCommand } from './commands/schedule';
import { registerSelect } from './commands/select';
import { registerEmbed } from './commands/embed';
import { registerModelsCommand } from './commands/models';
import { registerRunCommand } from './commands/run';
import { registerDemoCommand } from './commands/demo';
import { registerMagicCommand } from './commands/magic';
import { registerDatasetsCommand } from './commands/datasets';
import { registerTagsCommand } from './commands/tags';
import { registerExportCommand } from './commands/export';
import { registerSync } from './commands/sync';
import { registerHealthCommand } from './commands/health';
import { escapeForTerminal } from './terminal-text';

// One line per command module; each file under ./commands owns one noun.
export const commandModules: CommandModule[] = [
  registerEmbeddingsCommand,
  registerMetadataCommand,
  registerPredictionsCommand,
  registerPredictCommand,
  registerServeCommand,
  registerTokenCommand,
  registerWorkerCommand,
  registerPipelineCommand,
  registerScheduleCommand,
  registerSelect,
  registerEmbed,
  registerModelsCommand,
  registerRunCommand,
  registerDemoCommand,
  registerMagicCommand,
  registerDatasetsCommand,
  registerTagsCommand,
  registerExportCommand,
  registerSync,
  registerHealthCommand,
];

/** The `winnow` program with every command registered (tests inspect it; bin/winnow.js runs it). */
export function createWinnowProgram() {
  return createProgram(commandModules, packageVersion());
}

/** The package's version, from the nearest package.json above this file (src/cli in tests, dist/src/cli when built). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // not in this folder; keep walking up
    }
  }
  return '0.0.0';
}

export function main(argv: string[] = process.argv): void {
  runProgram(createWinnowProgram(), argv).catch((error: unknown) => {
    process.stderr.write(`winnow: ${escapeForTerminal(error instanceof Error ? error.message : String(error), { multiline: true })}\n`);
    process.exit(1);
  });
}
