import { InvalidConfigError } from '../errors';
import { connectPlatform, type PlatformConnection } from '../platform';
import type { PipelineConfig } from './config';
import { resolveCredentialProfile, type ResolveProfileOptions } from './profiles';

/**
 * Opens the platform a config names: the embedded store under `home`, or the HTTP API with the token of the config's
 * credential profile (resolved here, on the machine that runs the step — never in a workflow).
 */
export async function openPlatformTarget(config: PipelineConfig, profiles: ResolveProfileOptions): Promise<PlatformConnection> {
  const target = config.platform;
  if ('home' in target) return connectPlatform({ home: target.home });
  const name = target.profile ?? 'default';
  const token = resolveCredentialProfile(name, profiles).platform?.token;
  if (!token) throw new InvalidConfigError(`credential profile "${name}" has no platform token (WINNOW_PROFILE_${name.toUpperCase()}_PLATFORM_TOKEN)`);
  return connectPlatform({ platformUrl: target.url, token });
}

/** Runs `fn` with the config's platform open and always closes it, also when `fn` fails or is cancelled. */
export async function withPlatformTarget<T>(config: PipelineConfig, profiles: ResolveProfileOptions, fn: (platform: PlatformConnection) => Promise<T>): Promise<T> {
  const platform = await openPlatformTarget(config, profiles);
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}
