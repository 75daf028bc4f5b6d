import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createPlatformServer } from '../../src/platform/server/create-server';
import { registerWebApp } from '../../src/platform/server/web-app';
import { createApiToken } from '../../src/platform/service/tokens';
import { openStore, type Store } from '../../src/platform/store/store';

/** Shared by the browser tests: a real platform server on 127.0.0.1 (SQLite in a temp home) and headless Chromium. */

export const CHROMIUM = process.env.WINNOW_CHROMIUM ?? '/usr/bin/chromium';
// The flags a root, offline machine needs: no sandbox (root), no GPU, and none of Chromium's calls home, which a
// closed network refuses by the dozen.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const ROOT = path.resolve(__dirname, '..', '..');
export const SHOTS = path.join(ROOT, 'test-results', 'web');

export interface WebHarness {
  home: string;
  store: Store;
  app: FastifyInstance;
  base: string;
  token: string;
  browser: Browser;
  page: Page;
  /** Every line the server logged (requests with their raw URLs), when started with `captureLogs`. */
  logs: string[];
  /** Calls the API with the harness token; JSON or text back, throws on a non-2xx status. */
  api<T>(method: string, url: string, body?: unknown): Promise<T>;
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

let builtDir: string | undefined;

/**
 * Builds the app into a folder of this test process: the browser suites run in parallel forks, and two builds
 * emptying the same `web/dist` would pull files from under each other's servers.
 */
async function buildWebApp(): Promise<string> {
  if (builtDir !== undefined) return builtDir;
  const outDir = await mkdtemp(path.join(tmpdir(), 'winnow-web-dist-'));
  // NODE_ENV=production: vitest sets `test`, which would make Vite bundle React's slow development build.
  execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.mts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  builtDir = outDir;
  return outDir;
}

/**
 * Fails (never skips) when Chromium is missing, naming the script that installs it. `captureLogs` logs every request
 * with its raw URL (no redaction) into `logs`, so a suite can prove no secret ever reaches a log line.
 */
export async function startWebHarness(options: { captureLogs?: boolean } = {}): Promise<WebHarness> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: run \`bash scripts/install-debian-packages.sh\` (it installs Debian's chromium).`);
  }
  // Built from the current source, never a stale bundle.
  const distDir = await buildWebApp();
  await mkdir(SHOTS, { recursive: true });
  const home = await mkdtemp(path.join(tmpdir(), 'winnow-web-'));
  // databaseUrl '' pins SQLite even where WINNOW_DATABASE_URL points the store suite at PostgreSQL.
  const store = await openStore({ home, databaseUrl: '' });
  const token = (await createApiToken(store, { name: 'e2e' })).token;
  const logs: string[] = [];
  const logger = options.captureLogs ? pino({ level: 'info' }, { write: (line: string) => void logs.push(line) }) : undefined;
  const app = createPlatformServer({ store, home, ...(logger === undefined ? {} : { logger }) });
  await registerWebApp(app, { distDir });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));

  const api = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const response = await fetch(base + url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${url} → ${response.status} ${await response.text()}`);
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? response.json() : response.text()) as Promise<T>;
  };
  return {
    home,
    store,
    app,
    base,
    token,
    browser,
    page,
    logs,
    api,
    shot: async (name) => {
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
    },
    close: async () => {
      await browser.close();
      await app.close();
      await store.close();
      await rm(home, { recursive: true, force: true });
      await rm(distDir, { recursive: true, force: true });
      builtDir = undefined;
      // An uncaught error in the page fails the test that caused it, even when the UI looked fine.
      if (pageErrors.length > 0) throw pageErrors[0];
    },
  };
}

/** A tab of the dataset navigation (other links on a screen may share its name). */
export function datasetTab(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Dataset' }).getByRole('link', { name });
}

/**
 * Skips the sign-in form: signs the page's browser context in through the API (POST /v1/session), so the context
 * holds the session cookie exactly as after a sign-in by hand. The token goes in a request body, never a URL.
 */
export async function loginWithToken(page: Page, token: string, base: string): Promise<void> {
  const response = await page.context().request.post(`${base}/v1/session`, { data: { token } });
  if (response.status() !== 201) throw new Error(`sign-in failed: ${response.status()} ${await response.text()}`);
}
