import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidConfigError, NotFoundError } from '../../errors';
import { refuseControlCharactersInNames } from '../validate';
import { UnauthorizedError } from '../errors';
import { newId, type Store } from '../store/store';
import { num } from './rows';
import type { ApiTokenInfo } from '../schemas';

/** The user the CLI and embedded clients act as, and whom `winnow token create` issues tokens for by default. */
export const LOCAL_USER = 'local';
const TOKEN_PREFIX = 'wnw_';

// The wire shape (src/platform/schemas) the server answers with and the web app reads.
export type { ApiTokenInfo };

/** sha256 hex: how tokens (and web session ids) are stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Returns the id of the user named `name`, creating the user on first use. */
export async function ensureUser(store: Store, name = LOCAL_USER): Promise<string> {
  const existing = await store.db.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
  if (existing) return existing.id;
  const id = newId();
  await store.db
    .insertInto('users')
    .values({ id, name, created_at: Date.now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await store.db.selectFrom('users').select('id').where('name', '=', name).executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Issues an API token for `user`. The token is returned once; only its sha256 is stored.
 *
 * @example
 * await createApiToken(store, { name: 'ci' })
 * // → { token: 'wnw_3q…', info: { id: '6745…', name: 'ci', user: 'local', prefix: 'wnw_3q2F', … } }
 */
export async function createApiToken(
  store: Store,
  options: { name?: string; user?: string; userId?: string } = {},
): Promise<{ token: string; info: ApiTokenInfo }> {
  let user = options.user ?? LOCAL_USER;
  let userId: string;
  if (options.userId !== undefined) {
    userId = options.userId;
    user = (await store.db.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirstOrThrow()).name;
  } else {
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(user)) throw new InvalidConfigError('user must be 1–64 letters, digits or _.@-');
    userId = await ensureUser(store, user);
  }
  if (options.name !== undefined && (options.name.length === 0 || options.name.length > 100)) {
    throw new InvalidConfigError('token name must be 1–100 characters');
  }
  // Names show up in every user's `winnow token list`: one with control characters could rewrite that screen.
  refuseControlCharactersInNames({ name: options.name }, 'token');
  // 32 random bytes = 256 bits: guessing is hopeless, so a plain sha256 (no slow KDF) is a safe verifier.
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const info: ApiTokenInfo = {
    id: newId(),
    name: options.name ?? 'default',
    user,
    prefix: token.slice(0, TOKEN_PREFIX.length + 4),
    createdAt: Date.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await store.db
    .insertInto('api_tokens')
    .values({
      id: info.id,
      user_id: userId,
      name: info.name,
      token_hash: hashToken(token),
      prefix: info.prefix,
      created_at: info.createdAt,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  return { token, info };
}

/** Every token (revoked ones too), oldest first; only `userId`'s when given. */
export async function listApiTokens(store: Store, options: { userId?: string } = {}): Promise<ApiTokenInfo[]> {
  const rows = await store.db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'users.name as user',
      'api_tokens.prefix',
      'api_tokens.created_at',
      'api_tokens.last_used_at',
      'api_tokens.revoked_at',
    ])
    .$if(options.userId !== undefined, (q) => q.where('api_tokens.user_id', '=', options.userId as string))
    .orderBy('api_tokens.created_at')
    .orderBy('api_tokens.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    user: r.user,
    prefix: r.prefix,
    createdAt: num(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : num(r.last_used_at),
    revokedAt: r.revoked_at === null ? null : num(r.revoked_at),
  }));
}

/** Revokes a token by id (or by its shown prefix), among `userId`'s tokens when given. Revoking twice is harmless. */
export async function revokeApiToken(store: Store, idOrPrefix: string, options: { userId?: string } = {}): Promise<ApiTokenInfo> {
  const tokens = await listApiTokens(store, options);
  const matches = tokens.filter((t) => t.id === idOrPrefix || t.prefix === idOrPrefix);
  if (matches.length === 0) throw new NotFoundError('API token', idOrPrefix);
  if (matches.length > 1) throw new InvalidConfigError(`${JSON.stringify(idOrPrefix)} matches ${matches.length} tokens; use the id`);
  const token = matches[0];
  if (token.revokedAt === null) {
    token.revokedAt = Date.now();
    await store.db.updateTable('api_tokens').set({ revoked_at: token.revokedAt }).where('id', '=', token.id).execute();
  }
  return token;
}

/**
 * Resolves a presented token to its user id, or throws UnauthorizedError (without the token in the message).
 * Lookup is by hash, then the stored hash is compared in constant time.
 */
export async function authenticateToken(store: Store, token: string | undefined): Promise<string> {
  if (token === undefined || token === '') throw new UnauthorizedError();
  const hash = hashToken(token);
  const row = await store.db
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'token_hash', 'revoked_at', 'last_used_at'])
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash)) || row.revoked_at !== null) {
    throw new UnauthorizedError('the API token is not valid (unknown or revoked)');
  }
  const now = Date.now();
  // Writing last_used_at on every request would serialise reads on SQLite's single writer; once a minute is enough.
  if (row.last_used_at === null || now - num(row.last_used_at) > 60_000) {
    await store.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return row.user_id;
}
