import { randomBytes } from 'node:crypto';
import { UnauthorizedError } from '../errors';
import type { Store } from '../store/store';
import { num } from './rows';
import { authenticateToken, hashToken } from './tokens';

/** The cookie that carries a web session id: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const SESSION_COOKIE = 'winnow_session';
/** A session lasts a working week at most, and ends after 12 hours nobody used it. */
export const SESSION_MAX_AGE_MS = 7 * 24 * 3600_000;
export const SESSION_IDLE_MS = 12 * 3600_000;
// Writing last_seen_at on every image request would serialise reads on SQLite's single writer; once a minute is enough.
const TOUCH_EVERY_MS = 60_000;

export interface WebSession {
  /** The opaque id for the cookie; only its sha256 is stored. */
  id: string;
  userId: string;
  expiresAt: number;
}

/**
 * Signs a browser in: checks the API token once and returns a new session bound to it (revoking the token ends the
 * session). The token is not kept anywhere.
 *
 * @example
 * const session = await createWebSession(store, 'wnw_…'); // → { id: 'Jx3…', userId: '6745…', expiresAt: 1765… }
 */
export async function createWebSession(store: Store, token: string | undefined, now = Date.now()): Promise<WebSession> {
  const userId = await authenticateToken(store, token);
  const tokenRow = await store.db
    .selectFrom('api_tokens')
    .select('id')
    .where('token_hash', '=', hashToken(token as string))
    .executeTakeFirstOrThrow();
  // 32 random bytes: as unguessable as an API token.
  const id = randomBytes(32).toString('base64url');
  const expiresAt = now + SESSION_MAX_AGE_MS;
  await store.db
    .insertInto('web_sessions')
    .values({ id_hash: hashToken(id), user_id: userId, token_id: tokenRow.id, created_at: now, last_seen_at: now, expires_at: expiresAt })
    .execute();
  // Expired sessions of everyone are swept here, where a sign-in writes anyway, rather than by a timer.
  await store.db
    .deleteFrom('web_sessions')
    .where((eb) => eb.or([eb('expires_at', '<', now), eb('last_seen_at', '<', now - SESSION_IDLE_MS)]))
    .execute();
  return { id, userId, expiresAt };
}

/** The user of a live session, or UnauthorizedError (expired, idle too long, signed out, or its token revoked). */
export async function authenticateWebSession(store: Store, sessionId: string | undefined, now = Date.now()): Promise<string> {
  if (sessionId === undefined || sessionId === '') throw new UnauthorizedError();
  const row = await store.db
    .selectFrom('web_sessions')
    .innerJoin('api_tokens', 'api_tokens.id', 'web_sessions.token_id')
    .select(['web_sessions.id_hash', 'web_sessions.user_id', 'web_sessions.last_seen_at', 'web_sessions.expires_at', 'api_tokens.revoked_at'])
    .where('web_sessions.id_hash', '=', hashToken(sessionId))
    .executeTakeFirst();
  if (row === undefined || row.revoked_at !== null || num(row.expires_at) < now || num(row.last_seen_at) < now - SESSION_IDLE_MS) {
    throw new UnauthorizedError('the session has ended: sign in again');
  }
  if (now - num(row.last_seen_at) > TOUCH_EVERY_MS) {
    await store.db.updateTable('web_sessions').set({ last_seen_at: now }).where('id_hash', '=', row.id_hash).execute();
  }
  return row.user_id;
}

/** Signs out: the session id stops working at once, even if a copy of the cookie survives somewhere. */
export async function endWebSession(store: Store, sessionId: string | undefined): Promise<void> {
  if (sessionId === undefined || sessionId === '') return;
  await store.db.deleteFrom('web_sessions').where('id_hash', '=', hashToken(sessionId)).execute();
}
