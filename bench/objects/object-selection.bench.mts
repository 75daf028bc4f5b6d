/**
 * Object-level selection benchmark: does selecting images through their objects' embeddings (Lightly's
 * `{"input": {"type": "EMBEDDINGS", "task"}, "strategy": {"type": "DIVERSITY"}}`) bring more distinct objects into
 * a labeling budget than selecting on whole-image embeddings? And what does it cost?
 *
 *   npm run build && bench/datasets/make.sh emoji && npx node bench/objects/object-selection.bench.mts
 *   npx node bench/objects/object-selection.bench.mts --images 150 --budgets 10,20 --seeds 3      # quicker
 *
 * Data: real objects — the emoji of bench/datasets (npm emoji-datasource-google/-twitter, 64×64 on white) — pasted
 * 1–3 per image at random places and sizes on 256×192 white canvases, with their true boxes written as the task's
 * Lightly predictions. Object identities are drawn Zipf-like from a pool (a few emoji in many images, most in few),
 * as objects in real data are. Per budget n it prints the objects, distinct emoji and emoji categories in the n
 * selected images (more objects per image also means more distinct ones, so the object count is shown beside them) for object-level DIVERSITY, image-level coreset (DIVERSITY on image embeddings), the
 * default strategy (coverage-diversity) and random (mean of the seeds), then the time to embed the crops against
 * the time to embed the images, and each selection's time, all measured in this run.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

const load = createRequire(import.meta.url);
const { embedImages } = load('../../dist/src/embed/embed-images.js') as typeof import('../../src/embed/embed-images');
const { embedObjects } = load('../../dist/src/predictions/object-embeddings.js') as typeof import('../../src/predictions/object-embeddings');
const { selectFromFiles, parseSelectionConfig } = load('../../dist/src/select/index.js') as typeof import('../../src/select/index');
const { selectionValuesFromDatasource } = load('../../dist/src/cli/commands/predictions.js') as typeof import('../../src/cli/commands/predictions');
const { uniformRandom } = load('../../dist/src/select/random.js') as typeof import('../../src/select/random');

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const IMAGES = Number(arg('images', '300'));
const POOL = Number(arg('pool', '120'));
const BUDGETS = arg('budgets', '10,25,50').split(',').map(Number);
const SEEDS = Number(arg('seeds', '5'));
const EMOJI = arg('emoji', path.join(os.homedir(), '.cache/winnow/bench-data/emoji'));
const WORK = arg('work', path.join(os.tmpdir(), 'winnow-bench-objects'));

interface Placed {
  emoji: string;
  category: string;
  box: [number, number, number, number];
}

async function makeDataset(dir: string): Promise<Map<string, Placed[]>> {
  if (!fs.existsSync(EMOJI)) throw new Error(`${EMOJI} not found: run bench/datasets/make.sh emoji first`);
  const random = uniformRandom(7); // seeded: the data set is the same every run
  const all = fs
    .readdirSync(EMOJI)
    .filter((c) => fs.statSync(path.join(EMOJI, c)).isDirectory())
    .flatMap((c) => fs.readdirSync(path.join(EMOJI, c)).map((f) => ({ file: path.join(EMOJI, c, f), category: c })));
  // A fixed pool of emoji, drawn with Zipf weights 1/rank.
  const pool = Array.from({ length: POOL }, () => all[Math.floor(random() * all.length)]);
  const weights = pool.map((_, r) => 1 / (r + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const draw = () => {
    let u = random() * total;
    for (let r = 0; r < pool.length; r++) if ((u -= weights[r]) <= 0) return pool[r];
    return pool[pool.length - 1];
  };
  const truth = new Map<string, Placed[]>();
  const task = path.join(dir, '.lightly/predictions/emoji');
  fs.mkdirSync(task, { recursive: true });
  for (let i = 0; i < IMAGES; i++) {
    const name = `img-${String(i).padStart(4, '0')}.png`;
    const placed: Placed[] = [];
    const count = 1 + Math.floor(random() * 3);
    for (let k = 0; k < count * 10 && placed.length < count; k++) {
      const size = 48 + Math.floor(random() * 33);
      const x = Math.floor(random() * (256 - size));
      const y = Math.floor(random() * (192 - size));
      if (placed.some((p) => x < p.box[0] + p.box[2] && p.box[0] < x + size && y < p.box[1] + p.box[3] && p.box[1] < y + size)) continue;
      const e = draw();
      placed.push({ emoji: e.file, category: e.category, box: [x, y, size, size] });
    }
    truth.set(name, placed);
    if (!fs.existsSync(path.join(dir, name))) {
      const overlays = await Promise.all(placed.map(async (p) => ({ input: await sharp(p.emoji).resize(p.box[2], p.box[3]).toBuffer(), left: p.box[0], top: p.box[1] })));
      await sharp({ create: { width: 256, height: 192, channels: 3, background: '#ffffff' } }).composite(overlays).png().toFile(path.join(dir, name));
    }
    const predictions = placed.map((p) => ({ category_id: 0, bbox: p.box, score: 1 }));
    fs.writeFileSync(path.join(task, name.replace('.png', '.json')), JSON.stringify({ file_name: name, predictions }));
  }
  fs.writeFileSync(path.join(dir, '.lightly/predictions/tasks.json'), '["emoji"]');
  fs.writeFileSync(path.join(task, 'schema.json'), JSON.stringify({ task_type: 'object-detection', categories: [{ id: 0, name: 'emoji' }] }));
  return truth;
}

const dir = path.join(WORK, `set-${IMAGES}-${POOL}`);
fs.mkdirSync(dir, { recursive: true });
const truth = await makeDataset(dir);
const objectsTotal = [...truth.values()].reduce((n, p) => n + p.length, 0);
const distinctTotal = new Set([...truth.values()].flat().map((p) => p.emoji)).size;
console.log(`data: ${IMAGES} images, ${objectsTotal} objects of ${distinctTotal} distinct emoji (pool ${POOL}, Zipf), in ${dir}`);

const imagesCsv = path.join(WORK, `images-${IMAGES}-${POOL}.csv`);
let t = performance.now();
await embedImages({ inputDir: dir, outCsv: imagesCsv, resume: false, measuresOut: false });
const imageSeconds = (performance.now() - t) / 1000;
t = performance.now();
const objects = await embedObjects({ inputDir: dir, task: 'emoji' });
const objectSeconds = (performance.now() - t) / 1000;
console.log(
  `embed: images ${(IMAGES / imageSeconds).toFixed(1)}/s (${imageSeconds.toFixed(1)} s), object crops ${(objects.objects / objectSeconds).toFixed(1)}/s (${objectSeconds.toFixed(1)} s; ratio ${(objects.objects / objectSeconds / (IMAGES / imageSeconds)).toFixed(2)})`,
);

const cover = (selected: string[]) => {
  const placed = selected.flatMap((f) => truth.get(f) ?? []);
  return { objects: placed.length, emoji: new Set(placed.map((p) => p.emoji)).size, categories: new Set(placed.map((p) => p.category)).size };
};
const objectConfig = { strategies: [{ input: { type: 'EMBEDDINGS', task: 'emoji' }, strategy: { type: 'DIVERSITY' } }] };
const values = await selectionValuesFromDatasource(dir, {}, parseSelectionConfig({ n: 1, ...objectConfig }));
const strategies: Array<[string, Record<string, unknown>]> = [
  ['objects (DIVERSITY on object embeddings)', objectConfig],
  ['coreset (image embeddings)', { strategy: 'coreset' }],
  ['coverage-diversity (default)', { strategy: 'coverage-diversity' }],
  ['random', { strategy: 'random' }],
];
console.log('\n| n | strategy | objects | distinct emoji | emoji categories | selection s |');
console.log('|---|---|---|---|---|---|');
for (const n of BUDGETS) {
  for (const [label, config] of strategies) {
    let placed = 0;
    let emoji = 0;
    let categories = 0;
    let seconds = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const started = performance.now();
      const result = await selectFromFiles({ embeddingsPath: imagesCsv, ...values, config: { n, seed, ...config } });
      seconds += (performance.now() - started) / 1000;
      const c = cover(result.selected);
      placed += c.objects;
      emoji += c.emoji;
      categories += c.categories;
    }
    console.log(`| ${n} | ${label} | ${(placed / SEEDS).toFixed(1)} | ${(emoji / SEEDS).toFixed(1)} | ${(categories / SEEDS).toFixed(1)} | ${(seconds / SEEDS).toFixed(2)} |`);
  }
}
