/**
 * Embeddings CSV benchmark: write and read throughput (MB/s, rows/s) for 100,000 × 1280, against csv-stringify and
 * csv-parse baselines measured in the same run on the same rows, then the peak memory (RSS) of reading a
 * 1,000,000 × 1280 file (streaming validation, and into one Float32Array when the machine has the RAM).
 *
 *   npm run build && npx node bench/formats/formats-bench.mts                    # 100k × 1280, then 1M × 1280
 *   npx node bench/formats/formats-bench.mts --rows 20000 --big-rows 0           # quick run, no 1M file
 *
 * The 1M file (~15 GB) is generated streaming into the OS temp dir from 1,000 pre-formatted row bodies (so
 * generation is disk-bound, not formatter-bound), measured in child processes (so each RSS is its own), and deleted.
 * Figures are wall clock and CPU time: on a shared, loaded machine the CPU figures are the comparable ones.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

// The engine is CommonJS in dist/ (what n8n and the CLI load); the types come from the sources.
const load = createRequire(import.meta.url);
const embeddings: typeof import('../../src/embeddings/index') = load('../../dist/src/embeddings/index.js');

const DIM = 1280;
// Distinct embedding rows cycled through; enough that value lengths average out like real data.
const POOL = 256;
// The baselines are several times slower, so they run on the first rows only and are compared per row.
const BASELINE_ROWS = 10_000;

interface Args {
  rows: number;
  bigRows: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { rows: 100_000, bigRows: 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rows') args.rows = Number(argv[++i]);
    else if (argv[i] === '--big-rows') args.bigRows = Number(argv[++i]);
  }
  return args;
}

/** Seeded values shaped like normalised CNN embeddings (mostly |x| < 0.1). */
function makePool(): Float32Array[] {
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: POOL }, () => {
    const row = new Float32Array(DIM);
    for (let i = 0; i < DIM; i++) row[i] = (uniform() + uniform() + uniform() - 1.5) * 0.08;
    return row;
  });
}

interface Timing {
  wall: number;
  cpu: number;
}

async function timed(fn: () => Promise<void>): Promise<Timing> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await fn();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

function rate(label: string, bytes: number, rows: number, t: Timing): void {
  const mb = bytes / 1e6;
  console.log(
    `${label.padEnd(34)} ${(mb / t.wall).toFixed(1).padStart(7)} MB/s ${(rows / t.wall).toFixed(0).padStart(7)} rows/s wall` +
      ` | ${(mb / t.cpu).toFixed(1).padStart(7)} MB/s ${(rows / t.cpu).toFixed(0).padStart(7)} rows/s cpu  (${t.wall.toFixed(1)} s)`,
  );
}

const fileName = (i: number) => `images/batch_${Math.floor(i / 1000)}/img_${i}.jpg`;

async function writeWithWinnow(file: string, rows: number, pool: Float32Array[]): Promise<void> {
  const writer = await embeddings.createEmbeddingsWriter(file, { dim: DIM });
  for (let i = 0; i < rows; i++) await writer.write(fileName(i), pool[i % POOL], i % 10);
  await writer.close();
}

async function writeWithCsvStringify(file: string, rows: number, pool: Float32Array[]): Promise<void> {
  const header = ['filenames', ...Array.from({ length: DIM }, (_, i) => `embedding_${i}`), 'labels'];
  const stringifier = stringify({ record_delimiter: '\r\n' });
  const out = fs.createWriteStream(file);
  stringifier.pipe(out);
  const push = async (record: string[]) => {
    if (!stringifier.write(record)) await new Promise<void>((resolve) => stringifier.once('drain', () => resolve()));
  };
  await push(header);
  for (let i = 0; i < rows; i++) {
    const values = pool[i % POOL];
    const record = [fileName(i)];
    for (let d = 0; d < DIM; d++) record.push(embeddings.formatFloat32(values[d]));
    record.push(String(i % 10));
    await push(record);
  }
  stringifier.end();
  await finished(out);
}

async function readWithCsvParse(file: string, rows: number): Promise<void> {
  const parser = fs.createReadStream(file).pipe(parse({ from_line: 2, to_line: rows + 1 }));
  const values = new Float32Array(DIM);
  for await (const record of parser as AsyncIterable<string[]>) {
    for (let d = 0; d < DIM; d++) values[d] = Number(record[d + 1]);
  }
}

/** Child-process entry: one measurement, printed as JSON, so each RSS figure is its own process's peak. */
async function child(mode: string, file: string): Promise<void> {
  const start = performance.now();
  let rows = 0;
  if (mode === 'idle') {
    rows = 0;
  } else if (mode === 'validate') {
    rows = (await embeddings.validateEmbeddingsFile(file)).rows;
  } else {
    const matrix = await embeddings.loadEmbeddingMatrix(file);
    rows = matrix.fileNames.length;
    console.error(`matrix bytes ${matrix.data.byteLength}, buffer ${matrix.data.buffer.byteLength}`);
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ rows, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

function measureInChild(mode: string, file: string): { rows: number; seconds: number; maxRssMB: number } {
  const result = spawnSync(process.execPath, ['--max-old-space-size=4096', import.meta.filename, '--child', mode, file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`child ${mode} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() as string);
}

// Rows are copied into 4 MiB buffers as bytes: generating 15 GB through strings would take longer than reading it.
const GENERATE_CHUNK = 4 << 20;

async function generateBig(file: string, rows: number, pool: Float32Array[]): Promise<void> {
  const bodies = pool.map((values, p) => Buffer.from(embeddings.formatRow('', values, p % 10)));
  const out = fs.createWriteStream(file);
  const flush = async (chunk: Buffer) => {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  let chunk = Buffer.allocUnsafe(GENERATE_CHUNK);
  let used = chunk.write(embeddings.formatHeader(DIM), 0, 'latin1');
  for (let i = 0; i < rows; i++) {
    const name = fileName(i);
    const body = bodies[i % POOL];
    if (used + name.length + body.length > GENERATE_CHUNK) {
      await flush(chunk.subarray(0, used));
      chunk = Buffer.allocUnsafe(GENERATE_CHUNK);
      used = 0;
    }
    used += chunk.write(name, used, 'latin1');
    used += body.copy(chunk, used);
  }
  await flush(chunk.subarray(0, used));
  out.end();
  await finished(out);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-formats-bench-'));
  console.log(`# embeddings CSV, ${args.rows} × ${DIM}; node ${process.version}; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);
  try {
    const pool = makePool();
    const file = path.join(dir, 'embeddings.csv');
    const baselineRows = Math.min(BASELINE_ROWS, args.rows);

    const write = await timed(() => writeWithWinnow(file, args.rows, pool));
    const bytes = fs.statSync(file).size;
    console.log(`file: ${(bytes / 1e6).toFixed(0)} MB, ${(bytes / args.rows / 1024).toFixed(1)} KiB per row`);
    rate('write  winnow writer', bytes, args.rows, write);
    const baselineFile = path.join(dir, 'baseline.csv');
    const baselineWrite = await timed(() => writeWithCsvStringify(baselineFile, baselineRows, pool));
    const baselineBytes = fs.statSync(baselineFile).size;
    rate(`write  csv-stringify (${baselineRows} rows)`, baselineBytes, baselineRows, baselineWrite);
    const sameBytes = fs.readFileSync(baselineFile).equals(fs.readFileSync(file).subarray(0, baselineBytes));
    console.log(`  csv-stringify output identical to winnow's: ${sameBytes}`);

    const validate = await timed(async () => {
      await embeddings.validateEmbeddingsFile(file);
    });
    rate('read   validate (streaming)', bytes, args.rows, validate);
    const load = await timed(async () => {
      await embeddings.loadEmbeddingMatrix(file);
    });
    rate('read   loadEmbeddingMatrix', bytes, args.rows, load);
    const baselineRead = await timed(() => readWithCsvParse(file, baselineRows));
    rate(`read   csv-parse + Number (${baselineRows} rows)`, (bytes / args.rows) * baselineRows, baselineRows, baselineRead);
    console.log(
      `ratios (cpu rows/s, winnow ÷ baseline): write ${((args.rows / write.cpu) / (baselineRows / baselineWrite.cpu)).toFixed(2)}×,` +
        ` read ${((args.rows / validate.cpu) / (baselineRows / baselineRead.cpu)).toFixed(2)}×`,
    );
    fs.rmSync(file);
    fs.rmSync(baselineFile);

    if (args.bigRows > 0) {
      const bigBytes = Math.round((bytes / args.rows) * args.bigRows);
      const matrixBytes = args.bigRows * DIM * 4;
      const free = fs.statfsSync(dir);
      const freeDisk = free.bavail * free.bsize;
      console.log(`\n# ${args.bigRows} × ${DIM}: file ≈ ${(bigBytes / 1e9).toFixed(1)} GB, matrix ${(matrixBytes / 1e9).toFixed(2)} GB; free disk ${(freeDisk / 1e9).toFixed(0)} GB, free RAM ${(os.freemem() / 1e9).toFixed(1)} GB`);
      if (freeDisk < bigBytes * 1.2) {
        console.log('skipped: not enough free disk for the file');
        return;
      }
      const big = path.join(dir, 'big.csv');
      try {
        const generate = await timed(() => generateBig(big, args.bigRows, pool));
        rate('generate (pre-formatted rows)', fs.statSync(big).size, args.bigRows, generate);
        // An idle child (Node + the engine loaded) is the floor the other figures are read against.
        const idle = measureInChild('idle', big);
        console.log(`peak RSS idle child (baseline): ${idle.maxRssMB.toFixed(0)} MB`);
        // validate = the streaming path (one chunk in memory) plus the file-name map that catches duplicates.
        const r = measureInChild('validate', big);
        console.log(`peak RSS validateEmbeddingsFile (streaming): ${r.maxRssMB.toFixed(0)} MB (${r.rows} rows in ${r.seconds.toFixed(0)} s, ${(fs.statSync(big).size / 1e6 / r.seconds).toFixed(0)} MB/s wall)`);
        if (os.freemem() > matrixBytes * 1.6) {
          const r = measureInChild('matrix', big);
          const matrixMB = matrixBytes / 2 ** 20;
          console.log(
            `peak RSS loadEmbeddingMatrix: ${r.maxRssMB.toFixed(0)} MB; above the idle baseline ${(r.maxRssMB - idle.maxRssMB).toFixed(0)} MB` +
              ` = ${((r.maxRssMB - idle.maxRssMB) / matrixMB).toFixed(2)}× the ${matrixMB.toFixed(0)} MB matrix (${r.seconds.toFixed(0)} s)`,
          );
        } else {
          console.log(`loadEmbeddingMatrix skipped: ${(os.freemem() / 1e9).toFixed(1)} GB free RAM < 1.6 × ${(matrixBytes / 1e9).toFixed(1)} GB matrix`);
        }
      } finally {
        fs.rmSync(big, { force: true });
        console.log(`deleted ${big}`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
(childAt >= 0 ? child(process.argv[childAt + 1], process.argv[childAt + 2]) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
