/**
 * S3 sync benchmark against MinIO on loopback: Winnow's sync versus the MinIO client's `mc mirror`, measured in the
 * same run on the same objects, in both directions, plus a no-op resync of the unchanged objects.
 *
 *   npm run build && npx node bench/sync/sync.bench.mts                     # 5,000 objects of ~100 KB
 *   npx node bench/sync/sync.bench.mts --objects 1000 --size 1048576 --concurrency 16 --threads 2
 *
 * Needs: MinIO (started here through scripts/services.sh, idempotent) and `mc`, built once with
 * `go install github.com/minio/mc@latest` into ~/.cache/winnow/bin when missing. Runs the built engine in dist/.
 * Targets (issue 5): download objects/s ratio Winnow / mc ≥ 1.0; no-op resync of 5,000 objects < 2 s.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The bench runs the built CommonJS engine (Node strips the types of this file but does not compile src/).
const load = createRequire(import.meta.url);
const s3 = load('../../dist/src/s3/index.js') as typeof import('../../src/s3/index');
const here = path.dirname(fileURLToPath(import.meta.url));

interface Args {
  objects: number;
  size: number;
  concurrency: number;
  /** Transfer threads for Winnow's download (undefined: the engine's default, one per core). */
  threads?: number;
  rounds: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { objects: 5000, size: 100 * 1024, concurrency: s3.DEFAULT_CONCURRENCY, rounds: 2, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--objects') args.objects = Number(next());
    else if (a === '--size') args.size = Number(next());
    else if (a === '--concurrency') args.concurrency = Number(next());
    else if (a === '--threads') args.threads = Number(next());
    else if (a === '--rounds') args.rounds = Number(next());
    else if (a === '--keep') args.keep = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const root = path.join(here, '..', '..');
const cacheBin = path.join(process.env.WINNOW_CACHE ?? path.join(os.homedir(), '.cache', 'winnow'), 'bin');

function servicesEnv(): Record<string, string> {
  const out = execFileSync('bash', [path.join(root, 'scripts', 'services.sh'), 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

function ensureMc(): string {
  const mc = path.join(cacheBin, 'mc');
  if (fs.existsSync(mc)) return mc;
  process.stderr.write(`building mc with go install github.com/minio/mc@latest into ${cacheBin} (first time only)\n`);
  execFileSync('go', ['install', 'github.com/minio/mc@latest'], { env: { ...process.env, GOBIN: cacheBin, GOFLAGS: '-mod=mod' }, stdio: 'inherit' });
  return mc;
}

function makeSourceFolder(dir: string, args: Args): number {
  let bytes = 0;
  for (let i = 0; i < args.objects; i++) {
    // ±20 % around the target size, so sizes are not all equal, like real JPEGs.
    const size = Math.round(args.size * (0.8 + 0.4 * ((i * 7919) % 1000) / 1000));
    const sub = path.join(dir, `class-${i % 10}`);
    if (i < 10) fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `img-${String(i).padStart(6, '0')}.jpg`), crypto.randomBytes(size));
    bytes += size;
  }
  return bytes;
}

function timeMc(mc: string, configDir: string, env: Record<string, string>, from: string, to: string): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(mc, ['--config-dir', configDir, 'mirror', '--quiet', from, to], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`mc mirror ${from} ${to} failed: ${r.stderr}`);
  return seconds;
}

function countFiles(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.winnow') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files++;
        bytes += fs.statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const env = servicesEnv();
  const mc = ensureMc();
  const settings = { endpoint: env.WINNOW_S3_ENDPOINT, accessKeyId: env.WINNOW_S3_ACCESS_KEY_ID, secretAccessKey: env.WINNOW_S3_SECRET_ACCESS_KEY, region: env.WINNOW_S3_REGION, forcePathStyle: true };
  const endpoint = new URL(settings.endpoint);
  // mc reads an alias from MC_HOST_<alias>; its config dir is a temp one so no user config is touched.
  const mcEnv = { MC_HOST_bench: `${endpoint.protocol}//${encodeURIComponent(settings.accessKeyId)}:${encodeURIComponent(settings.secretAccessKey)}@${endpoint.host}` };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-sync-bench-'));
  const configDir = path.join(work, 'mc-config');
  const bucket = `winnow-bench-${crypto.randomBytes(4).toString('hex')}`;
  const load = os.loadavg()[0].toFixed(1);

  try {
    console.log(`sync benchmark: ${args.objects} objects of ~${(args.size / 1024).toFixed(0)} KB, MinIO at ${settings.endpoint}, Winnow concurrency ${args.concurrency}, transfer threads ${args.threads ?? 'default (one per core)'}, mc defaults`);
    console.log(`machine: ${os.cpus().length} cores, load average ${load} at start (shared machine: figures are indicative)`);
    const source = path.join(work, 'source');
    const totalBytes = makeSourceFolder(source, args);
    execFileSync(mc, ['--config-dir', configDir, 'mb', `bench/${bucket}`], { env: { ...process.env, ...mcEnv }, stdio: 'ignore' });

    const rows: Array<{ step: string; tool: string; seconds: number; objects: number; bytes: number }> = [];
    // Upload: mc first into its own prefix, then Winnow into the prefix the downloads read.
    rows.push({ step: 'upload', tool: 'mc mirror', seconds: timeMc(mc, configDir, mcEnv, source, `bench/${bucket}/mc-up`), objects: args.objects, bytes: totalBytes });
    const up = await s3.syncLocalToS3({ sourceDir: source, target: `s3://${bucket}/data`, s3: settings, concurrency: args.concurrency });
    if (up.uploaded !== args.objects || up.failed.length) throw new Error(`winnow upload incomplete: ${JSON.stringify({ ...up, failed: up.failed.slice(0, 3) })}`);
    rows.push({ step: 'upload', tool: 'winnow sync', seconds: up.seconds, objects: up.uploaded, bytes: up.bytes });

    // Download: both start from empty folders, on the same objects, in alternating order over the rounds so neither
    // tool always meets the warmer cache or the quieter moment; the table shows the mean of the rounds.
    let winnowDir = '';
    for (let round = 0; round < args.rounds; round++) {
      const mcDir = path.join(work, `mc-down-${round}`);
      winnowDir = path.join(work, `winnow-down-${round}`);
      const runMc = () => rows.push({ step: 'download', tool: 'mc mirror', seconds: timeMc(mc, configDir, mcEnv, `bench/${bucket}/data`, mcDir), objects: args.objects, bytes: totalBytes });
      const runWinnow = async () => {
        const down = await s3.syncS3ToLocal({ source: `s3://${bucket}/data`, targetDir: winnowDir, s3: settings, concurrency: args.concurrency, threads: args.threads });
        if (down.downloaded !== args.objects || down.failed.length) throw new Error(`winnow download incomplete: ${JSON.stringify({ ...down, failed: down.failed.slice(0, 3) })}`);
        rows.push({ step: 'download', tool: 'winnow sync', seconds: down.seconds, objects: down.downloaded, bytes: down.bytes });
        const check = countFiles(winnowDir);
        if (check.files !== args.objects || check.bytes !== totalBytes) throw new Error(`download mismatch: ${JSON.stringify(check)} vs ${args.objects} files, ${totalBytes} bytes`);
      };
      if (round % 2 === 0) {
        runMc();
        await runWinnow();
      } else {
        await runWinnow();
        runMc();
      }
      console.log(`  round ${round + 1}: mc ${rows.at(round % 2 === 0 ? -2 : -1)!.seconds.toFixed(2)} s, winnow ${rows.at(round % 2 === 0 ? -1 : -2)!.seconds.toFixed(2)} s`);
      if (round < args.rounds - 1) fs.rmSync(mcDir, { recursive: true, force: true });
    }
    const mcDir = path.join(work, `mc-down-${args.rounds - 1}`);

    // No-op resync of the unchanged objects.
    rows.push({ step: 'no-op resync', tool: 'mc mirror', seconds: timeMc(mc, configDir, mcEnv, `bench/${bucket}/data`, mcDir), objects: args.objects, bytes: 0 });
    const noop = await s3.syncS3ToLocal({ source: `s3://${bucket}/data`, targetDir: winnowDir, s3: settings, concurrency: args.concurrency });
    if (noop.skipped !== args.objects || noop.downloaded !== 0) throw new Error(`no-op resync transferred data: ${JSON.stringify(noop)}`);
    rows.push({ step: 'no-op resync', tool: 'winnow sync', seconds: noop.seconds, objects: noop.skipped, bytes: 0 });

    const mean = (step: string, tool: string) => {
      const picked = rows.filter((r) => r.step === step && r.tool === tool);
      const seconds = picked.reduce((n, r) => n + r.seconds, 0) / picked.length;
      return { step, tool, seconds, objects: picked[0].objects, bytes: picked[0].bytes, runs: picked.length };
    };
    console.log('');
    console.log('step          tool          seconds   objects/s      MB/s   Winnow/mc (objects/s)');
    let ratio = 0;
    for (const step of ['upload', 'download', 'no-op resync']) {
      const base = mean(step, 'mc mirror');
      const ours = mean(step, 'winnow sync');
      if (step === 'download') ratio = base.seconds / ours.seconds;
      for (const r of [base, ours]) {
        const cell = r === ours ? `${(base.seconds / ours.seconds).toFixed(2)}×` : '';
        const runs = r.runs > 1 ? ` (mean of ${r.runs})` : '';
        console.log(`${step.padEnd(13)} ${r.tool.padEnd(12)} ${r.seconds.toFixed(2).padStart(8)} ${(r.objects / r.seconds).toFixed(0).padStart(11)} ${(r.bytes / 1e6 / r.seconds).toFixed(1).padStart(9)}   ${cell}${runs}`);
      }
    }
    console.log('');
    console.log(`download ratio Winnow/mc: ${ratio.toFixed(2)} (target ≥ 1.0) ${ratio >= 1 ? 'MET' : 'NOT MET'}`);
    console.log(`no-op resync of ${args.objects} objects: ${noop.seconds.toFixed(2)} s (target < 2 s) ${noop.seconds < 2 ? 'MET' : 'NOT MET'}`);
    console.log(`load average at end: ${os.loadavg()[0].toFixed(1)}`);
  } finally {
    if (!args.keep) {
      spawnSync(mc, ['--config-dir', configDir, 'rb', '--force', `bench/${bucket}`], { env: { ...process.env, ...mcEnv }, stdio: 'ignore' });
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
