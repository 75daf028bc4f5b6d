import type { Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { connectPlatform as connect, type PlatformConnection } from '../platform';
import { CliError, EXIT_USAGE } from './program';

export interface PlatformOptions {
  home?: string;
  platformUrl?: string;
  token?: string;
}

/** Adds the options every store-touching command takes: the embedded store's home, or a remote platform + token. */
export function addPlatformOptions(command: Command): Command {
  return command
    .option('--home <dir>', 'platform home: embedded SQLite store, storage and run folders (env WINNOW_HOME)', process.env.WINNOW_HOME ?? path.join(os.homedir(), '.winnow'))
    .option('--platform-url <url>', 'use a remote Winnow/Lightly-compatible platform instead of the embedded store (env WINNOW_PLATFORM_URL)', process.env.WINNOW_PLATFORM_URL)
    .option('--token <token>', 'API token of the remote platform (env WINNOW_PLATFORM_TOKEN; prefer the env var: arguments show up in ps)');
}

/** Connects as the flags say; a remote platform without a token is a usage error (exit 2). */
export async function connectPlatform(options: PlatformOptions): Promise<PlatformConnection> {
  const token = options.token ?? process.env.WINNOW_PLATFORM_TOKEN;
  if (options.platformUrl && !token) throw new CliError('--platform-url needs an API token: pass --token or set WINNOW_PLATFORM_TOKEN', EXIT_USAGE);
  return connect({ home: options.home, platformUrl: options.platformUrl, token });
}
