import { readFileSync } from 'node:fs';
import { InvalidConfigError } from '../errors';
import type { S3Settings } from '../s3';
import type { S3Location } from './config';

/**
 * Credential profiles: pipeline configs (and so Temporal histories) carry only a profile *name*; the process that runs
 * a step — a worker, `winnow run` — resolves it to keys from its own environment or a secrets file.
 */

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  endpoint?: string;
  region?: string;
}

export interface PlatformCredentials {
  url?: string;
  token?: string;
}

export interface CredentialProfile {
  name: string;
  s3?: S3Credentials;
  platform?: PlatformCredentials;
}

/** Shape of the secrets file named by `WINNOW_SECRETS_FILE` (or `--secrets-file`). */
export interface SecretsFile {
  profiles: Record<string, { s3?: Partial<S3Credentials>; platform?: PlatformCredentials }>;
}

export interface ResolveProfileOptions {
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** JSON secrets file; defaults to `env.WINNOW_SECRETS_FILE`. */
  secretsFile?: string;
}

const S3_FIELDS: Record<keyof S3Credentials, string> = {
  accessKeyId: 'S3_ACCESS_KEY_ID',
  secretAccessKey: 'S3_SECRET_ACCESS_KEY',
  sessionToken: 'S3_SESSION_TOKEN',
  endpoint: 'S3_ENDPOINT',
  region: 'S3_REGION',
};
const PLATFORM_FIELDS: Record<keyof PlatformCredentials, string> = { url: 'PLATFORM_URL', token: 'PLATFORM_TOKEN' };

/**
 * Resolves a credential profile. Sources, first match per field wins:
 * 1. env `WINNOW_PROFILE_<NAME>_S3_ACCESS_KEY_ID`, `…_S3_SECRET_ACCESS_KEY`, `…_S3_ENDPOINT`, `…_S3_REGION`,
 *    `…_PLATFORM_URL`, `…_PLATFORM_TOKEN` (NAME upper-cased);
 * 2. the secrets file's `profiles.<name>`;
 * 3. for the profile `default` only: `WINNOW_S3_*` and `WINNOW_PLATFORM_URL`/`WINNOW_PLATFORM_TOKEN`, the variables
 *    every other winnow command reads.
 *
 * @example
 * resolveCredentialProfile('nightly', { env: { WINNOW_PROFILE_NIGHTLY_S3_ACCESS_KEY_ID: 'AK', WINNOW_PROFILE_NIGHTLY_S3_SECRET_ACCESS_KEY: 'SK' } })
 * // → { name: 'nightly', s3: { accessKeyId: 'AK', secretAccessKey: 'SK' } }
 */
export function resolveCredentialProfile(name: string, options: ResolveProfileOptions = {}): CredentialProfile {
  const env = options.env ?? process.env;
  const fromFile = readProfileFromFile(name, options.secretsFile ?? env.WINNOW_SECRETS_FILE);
  const envPrefix = `WINNOW_PROFILE_${name.toUpperCase()}_`;
  const fallbackPrefix = name === 'default' ? 'WINNOW_' : undefined;
  const pick = (field: string, fileValue: string | undefined): string | undefined =>
    nonEmpty(env[envPrefix + field]) ?? nonEmpty(fileValue) ?? (fallbackPrefix ? nonEmpty(env[fallbackPrefix + field]) : undefined);

  const s3: Partial<S3Credentials> = {};
  for (const [key, field] of Object.entries(S3_FIELDS) as [keyof S3Credentials, string][]) {
    const value = pick(field, fromFile?.s3?.[key]);
    if (value !== undefined) s3[key] = value;
  }
  const platform: PlatformCredentials = {};
  for (const [key, field] of Object.entries(PLATFORM_FIELDS) as [keyof PlatformCredentials, string][]) {
    const value = pick(field, fromFile?.platform?.[key]);
    if (value !== undefined) platform[key] = value;
  }

  const profile: CredentialProfile = { name };
  if (s3.accessKeyId !== undefined || s3.secretAccessKey !== undefined) {
    if (s3.accessKeyId === undefined || s3.secretAccessKey === undefined) {
      throw new InvalidConfigError(
        `credential profile "${name}" has only half of its S3 key pair: set both ${envPrefix}S3_ACCESS_KEY_ID and ${envPrefix}S3_SECRET_ACCESS_KEY`,
      );
    }
    profile.s3 = s3 as S3Credentials;
  }
  if (Object.keys(platform).length > 0) profile.platform = platform;
  // An empty `default` profile is valid: S3 then falls back to the AWS credential chain (instance role, SSO, …).
  if (!profile.s3 && !profile.platform && fromFile === undefined && name !== 'default') {
    throw new InvalidConfigError(
      `credential profile "${name}" not found: set ${envPrefix}S3_ACCESS_KEY_ID and ${envPrefix}S3_SECRET_ACCESS_KEY ` +
        `(or …_PLATFORM_TOKEN) in the worker's environment, or add profiles.${name} to the secrets file (WINNOW_SECRETS_FILE)`,
    );
  }
  return profile;
}

/** Like `resolveCredentialProfile` but requires S3 keys. */
export function resolveS3Credentials(name: string, options: ResolveProfileOptions = {}): S3Credentials {
  const profile = resolveCredentialProfile(name, options);
  if (!profile.s3) throw new InvalidConfigError(`credential profile "${name}" has no S3 keys`);
  return profile.s3;
}

/**
 * The S3 settings of a bucket location in a pipeline config: its profile's keys (none: the AWS credential chain),
 * and the location's endpoint and region before the profile's.
 */
export function resolveS3Settings(location: S3Location, options: ResolveProfileOptions = {}): S3Settings {
  const s3 = resolveCredentialProfile(location.profile ?? 'default', options).s3;
  return {
    ...(s3 ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, sessionToken: s3.sessionToken } : {}),
    endpoint: location.endpoint ?? s3?.endpoint,
    region: location.region ?? s3?.region,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readProfileFromFile(name: string, file: string | undefined): SecretsFile['profiles'][string] | undefined {
  if (file === undefined || file === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    // The message names the file and the fault, never the content: the file holds secrets.
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof SyntaxError ? 'not valid JSON' : 'unreadable');
    throw new InvalidConfigError(`cannot read secrets file ${file}: ${reason}`);
  }
  const profiles = (parsed as Partial<SecretsFile> | null)?.profiles;
  if (profiles === undefined || typeof profiles !== 'object' || profiles === null) {
    throw new InvalidConfigError(`secrets file ${file} has no "profiles" object`);
  }
  return profiles[name];
}
