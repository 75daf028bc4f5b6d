import { InvalidConfigError, type WinnowError } from '../src/errors';
import type { PipelineConfig } from '../src/pipeline/config';
import { resolveCredentialProfile, type ResolveProfileOptions } from '../src/pipeline/profiles';
import { createEmbeddedClient, createHttpClient, datasetStorageDir, openStore, type PlatformClient } from '../src/platform';

export interface OpenPlatform {
  client: PlatformClient;
  /** Set for the embedded store: where a dataset's images and thumbnails go. */
  storageDirFor?: (datasetId: string) => string;
  close(): Promise<void>;
}

/**
 * Opens the platform a config names, for the length of one activity: the embedded store under `home`, or the HTTP
 * API with the token of the config's credential profile (resolved here, on the worker — never in the workflow).
 */
export async function openPlatform(config: PipelineConfig, profiles: ResolveProfileOptions): Promise<OpenPlatform> {
  const target = config.platform;
  if ('url' in target) {
    const name = target.profile ?? 'default';
    const token = resolveCredentialProfile(name, profiles).platform?.token;
    if (!token) throw new InvalidConfigError(`credential profile "${name}" has no platform token (WINNOW_PROFILE_${name.toUpperCase()}_PLATFORM_TOKEN)`);
    const client = createHttpClient({ baseUrl: target.url, token });
    return { client, close: () => client.close() };
  }
  const home = target.home;
  const store = await openStore({ home });
  const client = createEmbeddedClient(store, { home });
  return {
    client,
    storageDirFor: (datasetId) => datasetStorageDir(home, datasetId),
    close: async () => {
      await client.close();
      await store.close();
    },
  };
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

export async function findOrCreateDataset(client: PlatformClient, name: string) {
  try {
    return await client.getDatasetByName(name);
  } catch (error) {
    if ((error as WinnowError).code !== 'NOT_FOUND') throw error;
    return client.createDataset(name);
  }
}

export async function findTag(client: PlatformClient, datasetId: string, name: string) {
  try {
    return await client.getTagByName(datasetId, name);
  } catch (error) {
    if ((error as WinnowError).code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
