import { Command, CommanderError } from 'commander';
import { escapeForTerminal } from './terminal-text';

/** Exit codes shared by every command: 0 done, 1 failed, 2 bad arguments. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** An error whose message is meant for the user as is (no stack), with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command module registers its subcommands on the root program. */
export type CommandModule = (program: Command) => void;

/**
 * Runs an async action and maps its failure to the shared exit codes, so every command ends the same way:
 * print the error, exit 1 (or 2 for bad arguments).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      const exitCode = error instanceof CliError ? error.exitCode : EXIT_FAILED;
      // Messages quote names from files, stores and servers: escaped, so none can rewrite the terminal.
      process.stderr.write(`winnow: ${escapeForTerminal(error instanceof Error ? error.message : String(error), { multiline: true })}\n`);
      process.exitCode = exitCode;
    }
  };
}

export function createProgram(modules: CommandModule[], version: string): Command {
  const program = new Command('winnow')
    .description('Image-dataset curation: sync, embed, save embeddings, upload metadata, select, tag.')
    .version(version)
    .showHelpAfterError()
    .exitOverride();
  for (const register of modules) register(program);
  return program;
}

export async function runProgram(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other parse error is a usage error.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    throw error;
  }
}
