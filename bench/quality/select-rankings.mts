/**
 * The selection half of bench/quality: loads an embeddings CSV with Winnow's reader and ranks it with Winnow's engine
 * once per strategy (random once per seed), writing `{ dataset, labels, classes, budgets, rankings, seconds }` as
 * JSON for evaluate.py. Each ranking is as long as the largest budget; every smaller budget is its prefix.
 *
 *   npx node bench/quality/select-rankings.mts --embeddings emb.csv --out rankings.json [--seeds 5] [--strategies a,b] [--merge]
 * (--merge: keep the other strategies' rankings already in --out, replacing only those ranked now)
 *
 * Runs the built engine in dist/ (npm run build first).
 */
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const load = createRequire(import.meta.url);
const engine = load('../../dist/src/select/index.js') as typeof import('../../src/select/index');
const embeddings = load('../../dist/src/embeddings/index.js') as typeof import('../../src/embeddings/index');

const PER_CLASS = [1, 2, 5, 10, 20];
const FRACTIONS = [0.01, 0.1];
/** Strategy name → selection config (besides n). `default` is what every face uses without a strategy. */
const STRATEGIES: Record<string, Record<string, unknown>> = {
  coreset: { strategy: 'coreset' },
  typicality: { strategy: 'typicality' },
  coverage: { strategy: 'coverage' },
  default: { strategy: engine.DEFAULT_STRATEGY },
};

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

const csv = arg('embeddings');
const out = arg('out');
const seeds = Number(arg('seeds', '5'));
const only = arg('strategies', '');
const extra = JSON.parse(arg('extra', '{}')) as Record<string, Record<string, unknown>>;
const matrix = await embeddings.loadEmbeddingMatrix(csv);
const N = matrix.fileNames.length;
const classes = new Set(matrix.labels).size;
const budgets = [...PER_CLASS.map((b) => ({ name: `${b}/class`, n: b * classes })), ...FRACTIONS.map((f) => ({ name: `${f * 100}%`, n: Math.round(f * N) }))]
  .filter((b) => b.n >= 1 && b.n < N)
  .sort((a, b) => a.n - b.n);
const n = Math.max(...budgets.map((b) => b.n));
const previous = process.argv.includes('--merge')
  ? (JSON.parse(await readFile(out, 'utf8')) as { rankings: Record<string, number[][]>; seconds: Record<string, number> })
  : { rankings: {}, seconds: {} };
const rankings: Record<string, number[][]> = {};
const seconds: Record<string, number> = {};
const configs: Array<[string, Record<string, unknown>, number]> = [];
for (let s = 1; s <= seeds; s++) configs.push(['random', { strategy: 'random' }, s]);
for (const [name, config] of Object.entries({ ...STRATEGIES, ...extra })) configs.push([name, config, 0]);
for (const [name, config, seed] of configs) {
  if (only !== '' && !only.split(',').includes(name)) continue;
  const started = performance.now();
  const result = await engine.selectSamples({ embeddings: matrix, config: engine.parseSelectionConfig({ ...config, n, seed }), source: csv });
  seconds[name] = (seconds[name] ?? 0) + (performance.now() - started) / 1000;
  (rankings[name] ??= []).push(result.ranking.slice(0, n).map((r) => r.index));
  const c = result.stats.coverage;
  process.stderr.write(`${path.basename(csv)} ${name}${seed ? ` seed ${seed}` : ''}: ${(seconds[name]).toFixed(1)} s${c ? ` (herding ${c.picks} picks, ${c.stoppedBy}, coverage ${c.meanCoverage.toFixed(2)})` : ''}${result.stats.neighbourhoods ? ` σ=${result.stats.neighbourhoods.kernelWidth.toFixed(3)}` : ''}\n`);
}
await writeFile(
  out,
  JSON.stringify({
    dataset: path.basename(csv, '.csv'),
    samples: N,
    classes,
    labels: Array.from(matrix.labels),
    budgets,
    rankings: { ...previous.rankings, ...rankings },
    seconds: { ...previous.seconds, ...seconds },
  }),
);
