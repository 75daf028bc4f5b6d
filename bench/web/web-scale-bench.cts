/**
 * The web app at scale, in headless Chromium against a real platform server: a dataset of N samples that are copies
 * of real photos (the repository's scikit-image/scikit-learn samples in six derived views; full images and thumbnails
 * made once by the platform's own upload pipeline, `uploadForMode`, then hard-linked per copy), with custom metadata
 * and its configuration. For a baseline dataset (1,000) and the big one (100,000 by default), in the same run:
 *   - first grid paint: navigation start → the first thumbnail decoded in the grid (the page's own clock, checked each frame)
 *   - count shown: navigation → the grid's "Showing N" (the server's answer to the first query); filter panel
 *     shown: → its facets and histograms in (the app asks for them beside the grid's query)
 *   - scroll: 60 frames of half a screen each, frame times median / p95 (pages of names load as the grid scrolls)
 *   - JS heap (Chromium's JSHeapUsedSize) after the first paint and after scrolling
 *   - filter: a numeric minimum typed, then "only chelsea" clicked: from the input event to the grid's count
 *     updated, and to the panel's facets and histograms updated too (the page's clock)
 *   - the query route alone (POST …/samples/query, median of 5): the first view (counts, facets, histogram, bitmask,
 *     a page), one category, a numeric range, a file name search, a page deep in a filtered list
 *
 *   npm run build && npx node bench/web/web-scale-bench.cts                 # 100,000 vs 1,000 on SQLite
 *   npx node bench/web/web-scale-bench.cts --n 20000                       # quicker
 *   WINNOW_DATABASE_URL=postgres://… npx node bench/web/web-scale-bench.cts # the same on PostgreSQL
 *   … --waterfall                                                          # also what loaded before the first paint
 *   … --dist DIR                                                           # serve a web app built before
 *
 * Figures are wall clock on whatever machine runs it; on a shared, loaded machine compare the ratios.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loads the built package from dist/, as plain CommonJS */
const platform: typeof import('../../src/platform/index') = require('../../dist/src/platform/index.js');
const webApp: typeof import('../../src/platform/server/web-app') = require('../../dist/src/platform/server/web-app.js');
const s3: typeof import('../../src/s3/index') = require('../../dist/src/s3/index.js');
const { chromium } = require('playwright-core') as typeof import('playwright-core');
const sharp = require('sharp') as typeof import('sharp');
const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
const fs = require('node:fs') as typeof import('node:fs');
const os = require('node:os') as typeof import('node:os');
const path = require('node:path') as typeof import('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--n') + 1] || 0) || 100_000;
const BASELINE = 1_000;
const SUBJECTS = ['astronaut', 'camera', 'chelsea', 'coffee', 'motorcycle_left', 'rocket', 'china', 'flower'];
const VIEWS = ['whole', 'left', 'right', 'flipped', 'rotated', 'grey'];

interface Figures {
  n: number;
  firstPaintMs: number;
  countShownMs: number;
  panelShownMs: number;
  scrollMedianMs: number;
  scrollP95Ms: number;
  heapLoadedMb: number;
  heapScrolledMb: number;
  filterCategoryMs: number;
  filterRangeMs: number;
  filterCategoryPanelMs: number;
  filterRangePanelMs: number;
  queryViewMs: number;
  queryCategoryMs: number;
  queryRangeMs: number;
  querySearchMs: number;
  queryDeepPageMs: number;
}

/** The query route alone: median of 5 calls for each of Explore's kinds of question. */
async function measureQueries(base: string, token: string, datasetId: string, threshold: number): Promise<Pick<Figures, 'queryViewMs' | 'queryCategoryMs' | 'queryRangeMs' | 'querySearchMs' | 'queryDeepPageMs'>> {
  const time = async (body: unknown) => {
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      const response = await fetch(`${base}/v1/datasets/${datasetId}/samples/query`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`query → ${response.status} ${await response.text()}`);
      await response.json();
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[2];
  };
  const panel = { facets: ['metadata:subject'], histograms: [{ field: 'metadata:photo.brightness' }], defaults: { 'metadata:subject': '', 'metadata:photo.brightness': 0 }, page: { size: 200 }, members: true };
  return {
    queryViewMs: await time(panel),
    queryCategoryMs: await time({ ...panel, filters: [{ field: 'metadata:subject', values: ['chelsea'] }] }),
    queryRangeMs: await time({ ...panel, filters: [{ field: 'metadata:photo.brightness', range: [threshold, null] }] }),
    querySearchMs: await time({ ...panel, search: '_whole_0001' }),
    queryDeepPageMs: await time({ filters: [{ field: 'metadata:subject', values: ['chelsea', 'coffee', 'rocket'] }], page: { offset: 30_000, size: 200 } }),
  };
}

/** The 48 real images and their thumbnails, made once by the platform's upload pipeline into `dir`. */
async function makeOriginals(dir: string): Promise<{ fileName: string; thumbName: string | null; subject: string; brightness: number }[]> {
  const src = path.join(dir, 'src');
  const out: { fileName: string; thumbName: string | null; subject: string; brightness: number }[] = [];
  const images: { fileName: string; path: string }[] = [];
  for (const subject of SUBJECTS) {
    fs.mkdirSync(path.join(src, subject), { recursive: true });
    const prefix = subject === 'china' || subject === 'flower' ? 'sklearn' : 'skimage';
    const file = path.join(ROOT, 'test', 'fixtures', 'model-parity', `${prefix}-${subject}.png`);
    const { width = 0, height = 0 } = await sharp(file).metadata();
    for (const view of VIEWS) {
      let image = sharp(file);
      if (view === 'left') image = image.extract({ left: 0, top: 0, width: Math.floor(width / 2), height });
      if (view === 'right') image = image.extract({ left: Math.floor(width / 2), top: 0, width: width - Math.floor(width / 2), height });
      if (view === 'flipped') image = image.flop();
      if (view === 'rotated') image = image.rotate(90);
      if (view === 'grey') image = image.greyscale();
      const fileName = `${subject}/${subject}_${view}.jpg`;
      await image.resize(480, 480, { fit: 'inside' }).jpeg({ quality: 85 }).toFile(path.join(src, fileName));
      const stats = await sharp(path.join(src, fileName)).stats();
      images.push({ fileName, path: path.join(src, fileName) });
      out.push({ fileName, thumbName: null, subject, brightness: Math.round(stats.channels[0].mean * 10) / 10 });
    }
  }
  const uploaded = await s3.uploadForMode({ mode: 'full', source: { images }, sink: s3.createFolderSink(path.join(dir, 'stored')) });
  const thumbs = new Map(uploaded.samples.map((s) => [s.fileName, s.thumbName ?? null]));
  for (const o of out) o.thumbName = thumbs.get(o.fileName) ?? null;
  return out;
}

async function seed(
  base: string,
  token: string,
  home: string,
  name: string,
  n: number,
  originals: Awaited<ReturnType<typeof makeOriginals>>,
  stored: string,
): Promise<string> {
  const call = async <T,>(method: string, url: string, body?: unknown): Promise<T> => {
    const response = await fetch(base + url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${url} → ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const { id } = await call<{ id: string }>('POST', '/v1/datasets', { name });
  const storage = platform.datasetStorageDir(home, id);
  const samples: { fileName: string; thumbName: string | null }[] = [];
  const meta: { image_id: number; subject: string; photo: { brightness: number; copy: number } }[] = [];
  for (let k = 0; k < n; k++) {
    const o = originals[k % originals.length];
    const copy = Math.floor(k / originals.length);
    const fileName = o.fileName.replace('.jpg', `_${String(copy).padStart(5, '0')}.jpg`);
    const thumbName = o.thumbName === null ? null : o.thumbName.replace(/(\.[a-z]+)$/, `_${String(copy).padStart(5, '0')}$1`);
    // Copies of the pipeline's output: hard links, so 100,000 images cost no disk and no minutes of resizing.
    fs.mkdirSync(path.join(storage, path.dirname(fileName)), { recursive: true });
    fs.linkSync(path.join(stored, o.fileName), path.join(storage, fileName));
    if (o.thumbName !== null && thumbName !== null) fs.linkSync(path.join(stored, o.thumbName), path.join(storage, thumbName));
    samples.push({ fileName, thumbName });
    meta.push({ image_id: k, subject: o.subject, photo: { brightness: o.brightness, copy } });
  }
  for (let i = 0; i < samples.length; i += 20_000) await call('POST', `/v1/datasets/${id}/samples/batch`, { samples: samples.slice(i, i + 20_000) });
  await call('POST', `/v1/datasets/${id}/customMetadata`, { images: samples.map((s, k) => ({ id: k, file_name: s.fileName })), metadata: meta });
  await call('POST', `/v1/datasets/${id}/configuration/metadata`, {
    name: 'bench',
    configs: [
      { name: 'Subject', path: 'subject', valueDataType: 'CATEGORICAL_STRING', defaultValue: '' },
      { name: 'Brightness', path: 'photo.brightness', valueDataType: 'NUMERIC_FLOAT', defaultValue: 0 },
    ],
  });
  return id;
}

// Browser globals used in page.evaluate; this program has no DOM lib.
declare const document: { querySelector(s: string): { scrollTop: number; clientHeight: number } | null; querySelectorAll(s: string): ArrayLike<{ complete: boolean; naturalWidth: number }> };
declare function requestAnimationFrame(callback: () => void): number;

async function measure(browserBase: string, token: string, datasetId: string, n: number, chromiumPath: string, threshold: number): Promise<Figures> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const signIn = await context.request.post(`${browserBase}/v1/session`, { data: { token } });
    if (signIn.status() !== 201) throw new Error(`sign-in: ${signIn.status()}`);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const heapMb = async () => {
      await cdp.send('HeapProfiler.collectGarbage').catch(() => undefined);
      const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
      return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20;
    };
    // Times by the page's own clock (performance.now(), from the navigation's start), taken inside the page when the
    // condition first holds (checked every frame): the driver's round trips to the browser are not in them.
    type Clock = { __bench?: Record<string, number> };
    const waterfall = args.includes('--waterfall');
    if (waterfall) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
      await cdp.send('Profiler.start');
    }
    await page.goto(`${browserBase}/#/datasets/${datasetId}/explore`);
    await page.waitForFunction(
      () => {
        const painted = Array.from(document.querySelectorAll('.virtual-grid img')).some((img) => img.complete && img.naturalWidth > 0);
        if (painted) ((globalThis as Clock).__bench ??= {}).firstPaint ??= performance.now();
        return painted;
      },
      undefined,
      { timeout: 120_000, polling: 'raf' },
    );
    await page.waitForFunction(
      (text) => {
        const shown = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector('[data-testid="visible-count"]')?.textContent === text;
        if (shown) ((globalThis as Clock).__bench ??= {}).countShown ??= performance.now();
        return shown;
      },
      n.toLocaleString('en-US'),
      { timeout: 300_000, polling: 'raf' },
    );
    // The filter panel's facets and histograms arrive in their own answer (an app without that split shows them
    // with the count: its panel time is the count's).
    await page.getByLabel('Minimum Brightness', { exact: true }).waitFor({ timeout: 300_000 });
    const hasPanelState = (await page.locator('[data-testid="filter-panel"]').count()) > 0;
    const panelSettled = async () => {
      if (hasPanelState) await page.locator('[data-testid="filter-panel"][aria-busy="false"]').waitFor({ timeout: 300_000 });
    };
    await panelSettled();
    const clock: Record<string, number> = await page.evaluate(() => ({ ...(globalThis as Clock).__bench, now: performance.now() }));
    if (waterfall) {
      // Where the page's own thread spent the time to the first paint: self time by function, the largest first.
      type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
      const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
      const selfMs = new Map<string, number>();
      profile.samples.forEach((id, k) => {
        const frame = (nodes.get(id) as ProfileNode).callFrame;
        const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber}`;
        selfMs.set(key, (selfMs.get(key) ?? 0) + (profile.timeDeltas[k] ?? 0) / 1000);
      });
      console.log(`page thread to the first paint and after (${n.toLocaleString('en-US')} samples), self time:`);
      for (const [key, ms] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${ms.toFixed(1).padStart(7)} ms  ${key}`);
      // What the page fetched before its first thumbnail painted, by the page's clock: where the first second goes.
      const entries = await page.evaluate(() =>
        (performance.getEntries() as unknown as { entryType: string; name: string; startTime: number; responseEnd?: number; duration: number }[])
          .filter((e) => e.entryType === 'navigation' || e.entryType === 'resource' || e.entryType === 'paint')
          .map((e) => ({ type: e.entryType, name: e.name, start: e.startTime, end: e.responseEnd ?? e.startTime + e.duration })),
      );
      const painted = clock.firstPaint ?? Infinity;
      console.log(`waterfall to the first thumbnail (${n.toLocaleString('en-US')} samples, first paint ${painted.toFixed(0)} ms):`);
      for (const e of entries.filter((x) => x.start <= painted).sort((a, b) => a.start - b.start)) {
        console.log(`  ${e.start.toFixed(0).padStart(5)} → ${e.end.toFixed(0).padStart(5)} ms  ${e.type.padEnd(10)} ${e.name.replace(browserBase, '').slice(0, 90)}`);
      }
    }
    const firstPaintMs = clock.firstPaint ?? NaN;
    const countShownMs = clock.countShown ?? NaN;
    const panelShownMs = hasPanelState ? clock.now : countShownMs;
    const heapLoadedMb = await heapMb();
    const frames = await page.evaluate(async () => {
      const el = document.querySelector('.virtual-grid') as { scrollTop: number; clientHeight: number };
      const times: number[] = [];
      let last = performance.now();
      for (let k = 0; k < 60; k++) {
        el.scrollTop += el.clientHeight / 2;
        await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      return times.sort((a, b) => a - b);
    });
    const heapScrolledMb = await heapMb();
    const count = page.getByTestId('visible-count');
    /**
     * → [ms from the input event to the grid's count changing, ms to the panel's counts being those of the new view
     * too], by the page's clock: listeners set before the action note the input, the count's change and the panel's
     * last settling.
     */
    const countChanges = async (action: () => Promise<void>) => {
      await page.evaluate(() => {
        type Node = { textContent: string; getAttribute(name: string): string | null };
        const doc = (globalThis as unknown as { document: { querySelector(s: string): Node | null; addEventListener(type: string, f: (event: { type: string; target: { value?: string } | null }) => void, capture: boolean): void } }).document;
        const Observer = (globalThis as unknown as { MutationObserver: new (f: () => void) => { observe(node: Node, options: object): void } }).MutationObserver;
        const t: Record<string, number> = {};
        (globalThis as Clock).__bench = t;
        // The last input before the count changed: a fill may type its value in steps (and first clears the field,
        // which the app ignores); each step is a new question, and the latency is from the one that was answered.
        const note = (event: { type: string; target: { value?: string } | null }) => {
          if (t.count === undefined && (event.type === 'click' || (event.target?.value ?? '') !== '')) t.input = performance.now();
        };
        doc.addEventListener('input', note, true);
        doc.addEventListener('click', note, true);
        const count = doc.querySelector('[data-testid="visible-count"]') as Node;
        const before = count.textContent;
        new Observer(() => {
          if (count.textContent !== before) t.count ??= performance.now();
        }).observe(count, { childList: true, characterData: true, subtree: true });
        const panel = doc.querySelector('[data-testid="filter-panel"]');
        if (panel !== null) new Observer(() => panel.getAttribute('aria-busy') === 'false' && (t.settled = performance.now())).observe(panel, { attributes: true, attributeFilter: ['aria-busy'] });
      });
      const before = await count.textContent();
      await action();
      await page.waitForFunction(
        (b) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector('[data-testid="visible-count"]')?.textContent !== b,
        before,
        { timeout: 60_000, polling: 'raf' },
      );
      await panelSettled();
      const t = await page.evaluate(() => (globalThis as Clock).__bench ?? {});
      return [t.count - t.input, Math.max(t.count, t.settled ?? 0) - t.input];
    };
    const [filterRangeMs, filterRangePanelMs] = await countChanges(() => page.getByLabel('Minimum Brightness', { exact: true }).fill(String(threshold)));
    const [filterCategoryMs, filterCategoryPanelMs] = await countChanges(() => page.getByRole('button', { name: 'Only chelsea' }).click());
    return {
      n,
      firstPaintMs,
      countShownMs,
      panelShownMs,
      scrollMedianMs: frames[Math.floor(frames.length / 2)],
      scrollP95Ms: frames[Math.floor(frames.length * 0.95)],
      heapLoadedMb,
      heapScrolledMb,
      filterCategoryMs,
      filterRangeMs,
      filterCategoryPanelMs,
      filterRangePanelMs,
      ...(await measureQueries(browserBase, token, datasetId, threshold)),
    };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const chromiumPath = process.env.WINNOW_CHROMIUM ?? '/usr/bin/chromium';
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-web-bench-'));
  try {
    // --dist DIR serves a web app built before (to compare two builds of the app on the same machine).
    const given = args.includes('--dist') ? path.resolve(args[args.indexOf('--dist') + 1]) : null;
    const dist = given ?? path.join(work, 'web-dist');
    if (given === null) {
      execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.mts', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
    }
    const originals = await makeOriginals(work);
    const home = path.join(work, 'home');
    // On PostgreSQL the bench keeps to a schema of its own, dropped at the end.
    const pgSchema = (process.env.WINNOW_DATABASE_URL ?? '').startsWith('postgres') ? `winnow_web_bench_${process.pid}` : undefined;
    const store = await platform.openStore({ home, ...(pgSchema === undefined ? {} : { postgresSchema: pgSchema }) });
    const { token } = await platform.createApiToken(store, { name: 'bench' });
    const app = platform.createPlatformServer({ store, home });
    await webApp.registerWebApp(app, { distDir: dist });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const results: Figures[] = [];
      for (const n of [BASELINE, N]) {
        const seeded = Date.now();
        const id = await seed(base, token, home, `bench-${n}`, n, originals, path.join(work, 'stored'));
        console.log(`seeded ${n.toLocaleString('en-US')} samples (${store.dialect}) in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
        const sorted = originals.map((o) => o.brightness).sort((x, y) => x - y);
        results.push(await measure(base, token, id, n, chromiumPath, sorted[Math.floor(sorted.length / 2)]));
      }
      const [b, big] = results;
      const row = (label: string, key: keyof Figures, unit: string, digits = 0) =>
        console.log(`${label.padEnd(34)} ${b[key].toFixed(digits).padStart(9)} ${unit.padEnd(3)} ${big[key].toFixed(digits).padStart(9)} ${unit.padEnd(3)} ×${(big[key] / Math.max(b[key], 1e-9)).toFixed(2)}`);
      console.log(`\nweb app on ${store.dialect}: ${BASELINE.toLocaleString('en-US')} (baseline) vs ${N.toLocaleString('en-US')} samples`);
      row('first grid paint', 'firstPaintMs', 'ms');
      row('count shown (server query)', 'countShownMs', 'ms');
      row('filter panel shown', 'panelShownMs', 'ms');
      row('scroll frame median', 'scrollMedianMs', 'ms', 1);
      row('scroll frame p95', 'scrollP95Ms', 'ms', 1);
      row('JS heap after first paint', 'heapLoadedMb', 'MB', 1);
      row('JS heap after scrolling', 'heapScrolledMb', 'MB', 1);
      row('filter: only one category → count', 'filterCategoryMs', 'ms');
      row('  … → facets and histograms', 'filterCategoryPanelMs', 'ms');
      row('filter: numeric minimum → count', 'filterRangeMs', 'ms');
      row('  … → facets and histograms', 'filterRangePanelMs', 'ms');
      row('query: first view', 'queryViewMs', 'ms');
      row('query: one category', 'queryCategoryMs', 'ms');
      row('query: numeric minimum', 'queryRangeMs', 'ms');
      row('query: file name search', 'querySearchMs', 'ms');
      row('query: page at 30,000', 'queryDeepPageMs', 'ms');
    } finally {
      await app.close();
      if (pgSchema !== undefined) await store.db.schema.dropSchema(pgSchema).ifExists().cascade().execute();
      await store.close();
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
