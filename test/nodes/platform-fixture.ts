import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { afterAll, beforeAll } from 'vitest';
import { createHttpClient } from '../../src/platform/client/http-client';
import type { PlatformClient } from '../../src/platform/client/platform-client';
import { startServer, tempHome, type RunningServer } from '../platform/helpers';
import { writeImages } from './image-fixtures';

/** A real platform server (in process, on 127.0.0.1) plus a work folder, for the nodes that talk to the platform. */
export interface PlatformFixture {
  server: RunningServer;
  client: PlatformClient;
  work: string;
  credentials: { winnowApi: ICredentialDataDecryptedObject };
  close(): Promise<void>;
}

export async function startPlatformFixture(): Promise<PlatformFixture> {
  const home = await tempHome();
  const server = await startServer(home.home);
  const client = createHttpClient({ baseUrl: server.baseUrl, token: server.token });
  const work = await mkdtemp(path.join(tmpdir(), 'winnow-node-'));
  return {
    server,
    client,
    work,
    credentials: { winnowApi: { baseUrl: server.baseUrl, apiToken: server.token } },
    async close() {
      await client.close();
      await server.close();
      await home.cleanup();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/**
 * A platform fixture for the tests around the call (a file or a describe block): started before them, closed after.
 * The object is filled in when the tests start, so it is read in hooks and tests only; hooks registered after this
 * call run after the start.
 */
export function usePlatformFixture(): PlatformFixture {
  const fixture: Partial<PlatformFixture> = {};
  beforeAll(async () => {
    Object.assign(fixture, await startPlatformFixture());
  });
  afterAll(() => fixture.close?.());
  return fixture as PlatformFixture;
}

/** Embeds `count` generated images into `<work>/<name>.csv` with the real embed engine; returns the CSV path and names. */
export async function embeddedImages(work: string, name: string, count: number): Promise<{ csv: string; imagesDir: string; fileNames: string[] }> {
  const { embedImages } = await import('../../src/embed');
  const imagesDir = path.join(work, `${name}-images`);
  const fileNames = await writeImages(imagesDir, count);
  const csv = path.join(work, `${name}.csv`);
  await embedImages({ inputDir: imagesDir, outCsv: csv });
  return { csv, imagesDir, fileNames: fileNames.sort() };
}
