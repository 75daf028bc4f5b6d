import os from 'node:os';
import path from 'node:path';
import { InvalidConfigError } from '../errors';
import { createEmbeddedClient } from './client/embedded-client';
import { createHttpClient } from './client/http-client';
import type { PlatformClient } from './client/platform-client';
import { datasetStorageDir } from './service/datasets';
import { openStore } from './store/store';

export interface ConnectPlatformOptions {
  /** Home of the embedded store (default `WINNOW_HOME` or `~/.winnow`); also where run folders go. */
  home?: string;
  /** A remote platform instead of the embedded store. */
  platformUrl?: string;
  token?: string;
}

export interface PlatformConnection {
  client: PlatformClient;
  home: string;
  /** Set for the embedded store: the folder that receives a dataset's uploaded images and thumbnails. */
  storageDirFor?: (datasetId: string) => string;
  close(): Promise<void>;
}

/**
 * One way for every face to reach the platform: the embedded store under `home`, or `platformUrl` + `token`.
 *
 * @example
 * const { client, close } = await connectPlatform({ home: '/data/winnow' });
 * await client.getDatasets(); // → [{ id: '6745…', name: 'farm', nSamples: 264, … }]
 * await close();
 */
export async function connectPlatform(options: ConnectPlatformOptions = {}): Promise<PlatformConnection> {
  const home = path.resolve(options.home ?? process.env.WINNOW_HOME ?? path.join(os.homedir(), '.winnow'));
  if (options.platformUrl) {
    if (!options.token) throw new InvalidConfigError('a remote platform needs an API token (--token or WINNOW_PLATFORM_TOKEN)');
    const client = createHttpClient({ baseUrl: options.platformUrl, token: options.token });
    return { client, home, close: () => client.close() };
  }
  const store = await openStore({ home });
  const client = createEmbeddedClient(store, { home });
  return {
    client,
    home,
    storageDirFor: (datasetId) => datasetStorageDir(home, datasetId),
    close: async () => {
      await client.close();
      await store.close();
    },
  };
}
