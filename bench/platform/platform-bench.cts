/**
 * Platform benchmark, against a real `winnow serve`-style server over SQLite in a child process (so the load
 * generator and the server do not share an event loop):
 *   1. create 100,000 samples through the HTTP client (batches of 5,000), vs raw better-sqlite3 inserts of the same rows
 *   2. upload a 100,000-row embeddings CSV (writeCSVUrl + streamed PUT, validation, sample matching, PCA, 2-D points),
 *      vs only validating the same file with src/embeddings in-process
 *   3. create a tag from 100,000 file names over HTTP, vs bitmaskFromFileNames in-process
 *   4. requests/s and p50/p99 latency under 32 concurrent clients (autocannon) for list and get, vs /health
 *      (no token, no database) as the framework baseline
 *
 *   npm run build && npx node bench/platform/platform-bench.cts                # 100k rows, 10 s per load test
 *   npx node bench/platform/platform-bench.cts --rows 20000 --duration 3      # quick run
 *
 * Figures are wall clock on whatever machine runs it; on a shared, loaded machine compare the ratios, not the rates.
 * A .cts file: CommonJS whatever the package says, so it can require the built dist/ the way the other benches do.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loads the built package from dist/, as plain CommonJS */
const platform: typeof import('../../src/platform/index') = require('../../dist/src/platform/index.js');
const embeddingsModule: typeof import('../../src/embeddings/index') = require('../../dist/src/embeddings/index.js');
const tagsModule: typeof import('../../src/tags/index') = require('../../dist/src/tags/index.js');
const { fork } = require('node:child_process') as typeof import('node:child_process');
const fs = require('node:fs') as typeof import('node:fs');
const os = require('node:os') as typeof import('node:os');
const path = require('node:path') as typeof import('node:path');
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  non2xx: number;
}

// Lightly's Resnet embeddings are 32–2048 wide; 32 keeps the CSV at ~30 MB so the run measures the platform, not the disk.
const DIM = 32;
// Lightly's own client sends samples one request each; 5,000 per batch is what the Winnow HTTP client sends.
const CONNECTIONS = 32;

interface Args {
  rows: number;
  duration: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { rows: 100_000, duration: 10 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rows') args.rows = Number(argv[++i]);
    else if (argv[i] === '--duration') args.duration = Number(argv[++i]);
  }
  return args;
}

const fileName = (i: number) => `images/batch_${Math.floor(i / 1000)}/img_${i}.jpg`;

async function seconds(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

function line(label: string, value: string, ratio?: string): void {
  console.log(`${label.padEnd(52)} ${value.padStart(26)}${ratio ? `   ${ratio}` : ''}`);
}

/** The server child: opens the store in `home`, listens on 127.0.0.1:0 and reports its port. */
async function child(home: string): Promise<void> {
  const store = await platform.openStore({ home, databaseUrl: '' });
  const app = platform.createPlatformServer({ store, home });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
  process.on('disconnect', () => {
    void app.close().then(() => store.close()).then(() => process.exit(0));
  });
}

function writeCsv(file: string, rows: number): number {
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, `filenames,${Array.from({ length: DIM }, (_, i) => `embedding_${i}`).join(',')},labels\r\n`);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const values = Array.from({ length: DIM }, () => ((uniform() - 0.5) * 0.2).toPrecision(6));
    chunk += `${fileName(i)},${values.join(',')},0\r\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  return fs.statSync(file).size;
}

/** Baseline for sample creation: the same rows straight into a SQLite table with one prepared statement. */
function rawSqliteInsert(file: string, rows: number): number {
  type Db = { exec(sql: string): void; prepare(sql: string): { run(...a: unknown[]): void }; transaction(fn: () => void): () => void; pragma(s: string): void; close(): void };
  const Database = require('better-sqlite3') as new (f: string) => Db;
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE samples (id TEXT PRIMARY KEY, dataset_id TEXT, idx INTEGER, file_name TEXT, created_at INTEGER, UNIQUE (dataset_id, file_name), UNIQUE (dataset_id, idx))');
  const insert = db.prepare('INSERT INTO samples VALUES (?, ?, ?, ?, ?)');
  const start = performance.now();
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`id${i}`, 'd', i, fileName(i), Date.now());
  })();
  const elapsed = (performance.now() - start) / 1000;
  db.close();
  return elapsed;
}

async function load(url: string, duration: number, headers: Record<string, string> = {}): Promise<AutocannonResult> {
  return autocannon({ url, connections: CONNECTIONS, duration, headers });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-platform-bench-'));
  const { rows } = args;
  console.log(`platform bench: ${rows.toLocaleString('en')} samples, CSV ${rows.toLocaleString('en')} × ${DIM}, ${CONNECTIONS} connections × ${args.duration} s`);
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machine: compare ratios)`);
  const setup = await platform.openStore({ home, databaseUrl: '' });
  const { token } = await platform.createApiToken(setup, { name: 'bench' });
  await setup.close();
  const server = fork(__filename, ['--child', home], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('message', (m: { port: number }) => resolve(m.port));
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const client = platform.createHttpClient({ baseUrl, token });
  try {
    // 1. samples
    const dataset = await client.createDataset('bench');
    const samples = Array.from({ length: rows }, (_, i) => ({ fileName: fileName(i), metaData: { width: 640, height: 480 } }));
    const httpSamples = await seconds(() => client.createSamples(dataset.id, samples));
    const raw = rawSqliteInsert(path.join(home, 'baseline.db'), rows);
    line(`create ${rows.toLocaleString('en')} samples (HTTP, 5,000 per request)`, `${(rows / httpSamples).toFixed(0)} samples/s (${httpSamples.toFixed(2)} s)`, `raw SQLite insert ${(rows / raw).toFixed(0)}/s (${raw.toFixed(2)} s) → ${(httpSamples / raw).toFixed(1)}×`);
    const again = await seconds(() => client.createSamples(dataset.id, samples));
    line(`  re-create the same ${rows.toLocaleString('en')} (idempotent no-op)`, `${(rows / again).toFixed(0)} samples/s (${again.toFixed(2)} s)`);

    // 2. embeddings CSV
    const csv = path.join(home, 'embeddings.csv');
    const bytes = writeCsv(csv, rows);
    const upload = await seconds(() => client.uploadEmbeddings(dataset.id, csv, 'default'));
    const validate = await seconds(() => embeddingsModule.validateEmbeddingsFile(csv));
    line(
      `upload ${rows.toLocaleString('en')}-row CSV (${(bytes / 1e6).toFixed(0)} MB: PUT, validate, match, PCA)`,
      `${(rows / upload).toFixed(0)} rows/s (${upload.toFixed(2)} s)`,
      `validate only ${(rows / validate).toFixed(0)}/s (${validate.toFixed(2)} s) → ${(upload / validate).toFixed(1)}×`,
    );

    // 3. tag from file names
    const names = samples.map((s) => s.fileName);
    const tagTime = await seconds(() => client.createTagFromFilenames(dataset.id, 'all-by-name', names));
    const order = tagsModule.indexByFileName(names);
    const inProcess = await seconds(() => tagsModule.bitmaskFromFileNames(names, order));
    line(`tag from ${rows.toLocaleString('en')} file names (HTTP)`, `${(rows / tagTime).toFixed(0)} names/s (${tagTime.toFixed(2)} s)`, `bitmaskFromFileNames ${(inProcess * 1000).toFixed(0)} ms → ${(tagTime / inProcess).toFixed(0)}×`);

    // 4. load tests
    for (let i = 0; i < 20; i++) await client.createDataset(`list-${i}`);
    const auth = { authorization: `Bearer ${token}` };
    const health = await load(`${baseUrl}/health`, args.duration);
    const list = await load(`${baseUrl}/v1/datasets`, args.duration, auth);
    const get = await load(`${baseUrl}/v1/datasets/${dataset.id}`, args.duration, auth);
    const report = (label: string, r: AutocannonResult, base?: AutocannonResult) =>
      line(
        label,
        `${r.requests.average.toFixed(0)} req/s p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms`,
        `${base ? `${(r.requests.average / base.requests.average).toFixed(2)}× of /health` : 'baseline'}${r.non2xx + r.errors > 0 ? `  (${r.non2xx} non-2xx, ${r.errors} errors)` : ''}`,
      );
    report('GET /health (no token, no database)', health);
    report('GET /v1/datasets (list of 21, token check)', list, health);
    report('GET /v1/datasets/{id} (get, token check)', get, health);
  } finally {
    server.disconnect();
    await new Promise((resolve) => server.once('exit', resolve));
    fs.rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
