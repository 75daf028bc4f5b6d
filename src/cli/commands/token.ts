import { openStore, type Store } from '../../platform';
import { createApiToken, listApiTokens, revokeApiToken, type ApiTokenInfo } from '../../platform/service/tokens';
import { action, type CommandModule } from '../program';
import { escapeForTerminal } from '../terminal-text';

interface StoreFlags {
  home?: string;
  databaseUrl?: string;
  json?: boolean;
}

async function withStore(flags: StoreFlags, fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openStore({ home: flags.home, databaseUrl: flags.databaseUrl });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

function printTokens(tokens: ApiTokenInfo[]): void {
  if (tokens.length === 0) {
    process.stdout.write('No API tokens. Create one with: npx winnow token create\n');
    return;
  }
  // Names and users come from the store, written by other users: printed escaped, never raw.
  const shown = tokens.map((t) => ({ ...t, name: escapeForTerminal(t.name), user: escapeForTerminal(t.user) }));
  const width = Math.max(4, ...shown.map((t) => t.name.length));
  process.stdout.write(`${'id'.padEnd(24)}  ${'prefix'.padEnd(8)}  ${'name'.padEnd(width)}  ${'user'.padEnd(8)}  ${'created'.padEnd(20)}  ${'last used'.padEnd(20)}  status\n`);
  for (const t of shown) {
    process.stdout.write(
      `${t.id}  ${t.prefix.padEnd(8)}  ${t.name.padEnd(width)}  ${t.user.padEnd(8)}  ${when(t.createdAt).padEnd(20)}  ${when(t.lastUsedAt).padEnd(20)}  ${t.revokedAt === null ? 'active' : `revoked ${when(t.revokedAt)}`}\n`,
    );
  }
}

/** `winnow token create|list|revoke`: API tokens for `winnow serve`, managed on the store directly. */
export const registerTokenCommand: CommandModule = (program) => {
  const token = program.command('token').description('Manage API tokens of the platform (stored hashed; a token is shown once).');
  const storeOptions = (command: ReturnType<typeof token.command>) =>
    command
      .option('--home <dir>', 'platform home folder (default: WINNOW_HOME or ~/.winnow)')
      .option('--database-url <url>', 'postgres://… (default: WINNOW_DATABASE_URL, else SQLite in the home folder)')
      .option('--json', 'print JSON');

  storeOptions(token.command('create').description('Create a token and print it (only this once).'))
    .option('--name <name>', 'what the token is for, shown in `token list`', 'default')
    .option('--user <user>', 'user the token acts as (datasets are per user)', 'local')
    .action(
      action(async (flags: StoreFlags & { name: string; user: string }) => {
        await withStore(flags, async (store) => {
          const created = await createApiToken(store, { name: flags.name, user: flags.user });
          if (flags.json) {
            process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
            return;
          }
          process.stdout.write(
            `${created.token}\n\nToken ${created.info.prefix}… (id ${created.info.id}) for user "${created.info.user}". It is not stored and cannot be shown again.\n` +
              `Use it as: curl -H "Authorization: Bearer <token>" http://127.0.0.1:7878/v1/datasets   (start the server with: npx winnow serve)\n`,
          );
        });
      }),
    );

  storeOptions(token.command('list').description('List tokens (prefix, name, user, last use; never the token).')).action(
    action(async (flags: StoreFlags) => {
      await withStore(flags, async (store) => {
        const tokens = await listApiTokens(store);
        if (flags.json) process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
        else printTokens(tokens);
      });
    }),
  );

  storeOptions(token.command('revoke').description('Revoke a token by id or prefix; requests with it get 401 at once.'))
    .argument('<id-or-prefix>', 'token id or the prefix `token list` shows')
    .action(
      action(async (idOrPrefix: string, flags: StoreFlags) => {
        await withStore(flags, async (store) => {
          const revoked = await revokeApiToken(store, idOrPrefix);
          if (flags.json) process.stdout.write(`${JSON.stringify(revoked, null, 2)}\n`);
          else process.stdout.write(`Revoked token ${revoked.prefix}… (${escapeForTerminal(revoked.name)}, id ${revoked.id}).\n`);
        });
      }),
    );
};
