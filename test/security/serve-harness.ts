import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import path from 'node:path';
import { createApiToken } from '../../src/platform/service/tokens';
import { openStore } from '../../src/platform/store/store';

const ROOT = path.join(__dirname, '..', '..');

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
}

/** A real `winnow serve` (the built CLI) on 127.0.0.1, port 0, over `home`; `args` are extra flags. */
export function startServe(home: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'winnow.js'), 'serve', '--port', '0', '--home', home, '--database-url', '', ...args], {
    cwd: ROOT,
    env: { ...process.env, WINNOW_S3_ENDPOINT_ALLOW: '', ...env },
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle = (url: string): ServeProcess => ({
    child,
    url,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[\d.:[\]]+)/.exec(out);
      if (m) resolve(handle(m[1]));
    });
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`winnow serve exited ${code}: ${out}`)));
  });
}

/** A token for `user` in the SQLite store of `home` (the server may be running: WAL lets both write). */
export async function tokenFor(home: string, user = 'local', name = 'probe'): Promise<string> {
  const store = await openStore({ home, databaseUrl: '' });
  try {
    return (await createApiToken(store, { user, name })).token;
  } finally {
    await store.close();
  }
}

/**
 * A second local HTTP listener that stands in for an internal service (a metadata endpoint, an admin console): it
 * records every request it gets; the probes assert it got none.
 */
export interface Canary {
  server: Server;
  url: string;
  port: number;
  requests: Array<{ method: string; url: string }>;
  close(): Promise<void>;
}

export async function startCanary(): Promise<Canary> {
  const requests: Canary['requests'] = [];
  const server = createServer((request: IncomingMessage, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '' });
    // Answer like a permissive S3 would, so a request that got through would look like success.
    response.writeHead(200, { 'content-type': 'application/xml' });
    response.end('<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** fetch returning status, headers and parsed JSON (or text). */
export async function request(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  const raw = init.body instanceof Uint8Array || typeof init.body === 'string';
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined || raw ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : raw ? (init.body as string | Uint8Array) : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // plain text
  }
  return { status: response.status, headers: response.headers, body };
}
