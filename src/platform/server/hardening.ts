import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * The web app's Content-Security-Policy, sent on every response: scripts, styles and API calls only from this
 * origin and never inline (React sets `style` through the CSSOM, which CSP allows), images also from the S3
 * datasource a sample image redirects to, and no framing (clickjacking) or plugins.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every response carries, API and web app alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // URLs may carry `?token=` or a signature: never send them on to another site.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * Failed authentications per client address in a fixed window: past `limit`, the address gets 429 with
 * Retry-After until the window ends, whatever it presents. Memory is bounded: expired windows are dropped, and at
 * most `maxClients` addresses are tracked (the oldest go first).
 *
 * @example
 * const limiter = new FailedAuthLimiter({ limit: 30, windowMs: 60_000 });
 * limiter.recordFailure('10.0.0.7'); limiter.retryAfterSeconds('10.0.0.7') // → undefined until 30 failures
 */
export class FailedAuthLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxClients: number;
  readonly #clients = new Map<string, { start: number; failures: number }>();

  constructor(options: { limit?: number; windowMs?: number; maxClients?: number } = {}) {
    this.#limit = options.limit ?? 30;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxClients = options.maxClients ?? 10_000;
  }

  /** Seconds the address must wait, or undefined when it may try. */
  retryAfterSeconds(address: string, now = Date.now()): number | undefined {
    const entry = this.#clients.get(address);
    if (entry === undefined) return undefined;
    if (now - entry.start >= this.#windowMs) {
      this.#clients.delete(address);
      return undefined;
    }
    return entry.failures >= this.#limit ? Math.max(1, Math.ceil((entry.start + this.#windowMs - now) / 1000)) : undefined;
  }

  recordFailure(address: string, now = Date.now()): void {
    let entry = this.#clients.get(address);
    if (entry === undefined || now - entry.start >= this.#windowMs) {
      this.#clients.delete(address);
      if (this.#clients.size >= this.#maxClients) this.#clients.delete(this.#clients.keys().next().value as string);
      entry = { start: now, failures: 0 };
      this.#clients.set(address, entry);
    }
    entry.failures++;
  }
}

/**
 * Error text as a client may see it: paths under the platform home become dataset-relative (`storage/<id>/x.csv`
 * → `x.csv`), and, for unexpected (500) errors, any other absolute path is cut to its file name.
 *
 * @example hideServerPaths('/srv/winnow/storage/6745…/embeddings/.upload-1-ab.csv:3: bad', '/srv/winnow') // → '.upload-1-ab.csv:3: bad'
 */
export function hideServerPaths(text: string, home: string, unexpected = false): string {
  const root = path.resolve(home);
  let out = text.split(`${root}${path.sep}storage${path.sep}`).join('').split(root).join('<home>');
  // `<datasetId>/embeddings/…` left from a storage path: keep only the file's own name.
  out = out.replace(/\b[0-9a-f]{24}\/(?:embeddings\/)?/g, '');
  if (unexpected) out = out.replace(/(?<![\w:/.])\/(?:[^\s"'/:]+\/)+([^\s"'/:]+)/g, '$1');
  return out;
}

const TEMP_ENTRY = /^\.(?:upload|mirror)-(?:(\d+)-)?[0-9a-z]+(?:\.csv)?$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes uploads and mirror staging folders that a dead process left under `<home>/storage/<dataset>/`
 * (`embeddings/.upload-*.csv`, `.mirror-*`), and returns how many. Ones of a live process (this server's peers
 * on the same home, a CLI) stay.
 */
export async function removeInterruptedUploads(home: string): Promise<number> {
  const storage = path.join(home, 'storage');
  const datasets = await readdir(storage, { withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const dataset of datasets) {
    if (!dataset.isDirectory()) continue;
    for (const dir of [path.join(storage, dataset.name), path.join(storage, dataset.name, 'embeddings')]) {
      const entries = await readdir(dir).catch(() => [] as string[]);
      for (const name of entries) {
        const match = TEMP_ENTRY.exec(name);
        if (!match) continue;
        const pid = match[1] === undefined ? undefined : Number(match[1]);
        // This process has uploaded nothing yet: a file with its pid is from an earlier life (PID 1 in a container).
        if (pid !== undefined && pid !== process.pid && processAlive(pid)) continue;
        await rm(path.join(dir, name), { recursive: true, force: true });
        removed++;
      }
    }
  }
  return removed;
}
