import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidConfigError } from '../../errors';

const KEY_FILE = 'secret.key';
// AES-256-GCM: 12-byte IV is the size GCM is specified for; 16-byte tag is its full authentication strength.
const IV_BYTES = 12;

/**
 * Encrypts datasource secrets at rest and signs upload URLs with one 32-byte key, read from `WINNOW_SECRET_KEY`
 * (64 hex chars or base64) or from `<home>/secret.key` (created with mode 0600 on first use).
 */
export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** HMAC-SHA256 of `message`, base64url. */
  sign(message: string): string;
  verify(message: string, signature: string): boolean;
}

function parseKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new InvalidConfigError(`${source} must hold a 32-byte key (64 hex characters or base64)`);
  return key;
}

function loadKey(home: string): Buffer {
  const fromEnv = process.env.WINNOW_SECRET_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return parseKey(fromEnv, 'WINNOW_SECRET_KEY');
  const file = path.join(home, KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(home, { recursive: true });
    // 'wx' so two processes starting at once cannot overwrite each other's key.
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  return parseKey(readFileSync(file, 'utf8'), file);
}

export function openSecretBox(home: string): SecretBox {
  const key = loadKey(home);
  return {
    encrypt(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64')).join('.');
    },
    decrypt(sealed) {
      const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64'));
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
      } catch {
        throw new InvalidConfigError('a stored secret cannot be decrypted with this key (was WINNOW_SECRET_KEY or secret.key changed?)');
      }
    },
    sign(message) {
      return createHmac('sha256', key).update(message).digest('base64url');
    },
    verify(message, signature) {
      const expected = Buffer.from(this.sign(message));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
