import { InvalidConfigError } from '../src/errors';
import type { PipelineConfig } from '../src/pipeline/config';
import { resolveCredentialProfile, type ResolveProfileOptions } from '../src/pipeline/profiles';
import { connectPlatform, type PlatformConnection } from '../src/platform';

export type OpenPlatform = PlatformConnection;

/**
 * Opens the platform a config names, for the length of one activity: the embedded store under `home`, or the HTTP
 * API with the token of the config's credential profile (resolved here, on the worker — never in the workflow).
 */
export async function openPlatform(config: PipelineConfig, profiles: ResolveProfileOptions): Promise<OpenPlatform> {
  const target = config.platform;
  if ('home' in target) return connectPlatform({ home: target.home });
  const name = target.profile ?? 'default';
  const token = resolveCredentialProfile(name, profiles).platform?.token;
  if (!token) throw new InvalidConfigError(`credential profile "${name}" has no platform token (WINNOW_PROFILE_${name.toUpperCase()}_PLATFORM_TOKEN)`);
  return connectPlatform({ platformUrl: target.url, token });
}

/** Runs `fn` with an open platform and always closes it, also when `fn` fails or is cancelled. */
export async function withPlatform<T>(config: PipelineConfig, profiles: ResolveProfileOptions, fn: (platform: OpenPlatform) => Promise<T>): Promise<T> {
  const platform = await openPlatform(config, profiles);
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}
