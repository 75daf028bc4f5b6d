import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createProgram, runProgram, type CommandModule } from './program';

// One line per command module; each file under ./commands owns one noun.
const modules: CommandModule[] = [];

const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  version: string;
};

runProgram(createProgram(modules, version), process.argv).catch((error: unknown) => {
  process.stderr.write(`winnow: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
