import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetTab, loginWithToken, startWebHarness, type WebHarness } from './web-harness';

/**
 * The web app at 100,000 samples, on a dataset seeded through the REST API (metadata-only, no images): Explore loads
 * and filters it and its grid keeps only the visible cells in the DOM while scrolling; the embedding map draws every
 * point in under a second. Figures are printed; the machine is shared and loaded, so bounds are generous except the
 * issue's own one-second bound for the map.
 */

// The few browser globals the page functions below use; the test program has no DOM lib.
interface Scroller {
  scrollTop: number;
  clientHeight: number;
  scrollHeight: number;
}
declare const document: { querySelector(selector: string): Scroller | null };
declare function requestAnimationFrame(callback: () => void): number;

const N = 100_000;
const DIM = 8;
// Seeded generator: the same points every run.
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let h: WebHarness;
let page: Page;
let datasetId: string;
let temperatures: number[];

async function seed(): Promise<void> {
  const rand = random(7);
  const names = Array.from({ length: N }, (_, i) => `img_${String(i).padStart(6, '0')}.jpg`);
  ({ id: datasetId } = await h.api<{ id: string }>('POST', '/v1/datasets', { name: 'scale-100k' }));
  await h.api('POST', `/v1/datasets/${datasetId}/samples/batch`, { samples: names.map((fileName) => ({ fileName })) });
  // Eight clusters, so the map has structure to look at.
  const centres = Array.from({ length: 8 }, () => Array.from({ length: DIM }, () => rand() * 2 - 1));
  const rows = names.map((name, i) => {
    const c = centres[i % centres.length];
    return `${name},${c.map((v) => (v + (rand() - 0.5) * 0.4).toFixed(4)).join(',')},0`;
  });
  const header = ['filenames', ...Array.from({ length: DIM }, (_, k) => `embedding_${k}`), 'labels'].join(',');
  const { signedWriteUrl } = await h.api<{ signedWriteUrl: string }>('GET', `/v1/datasets/${datasetId}/embeddings/writeCSVUrl?name=default`);
  const put = await fetch(signedWriteUrl, { method: 'PUT', body: [header, ...rows].join('\r\n') + '\r\n' });
  expect(put.status, await put.clone().text()).toBe(200);
  temperatures = names.map((_, i) => Math.round((i % 8) * 3 + rand() * 10));
  await h.api('POST', `/v1/datasets/${datasetId}/customMetadata`, {
    images: names.map((file_name, id) => ({ id, file_name })),
    metadata: names.map((_, id) => ({ image_id: id, weather: { temperature: temperatures[id] } })),
  });
  await h.api('POST', `/v1/datasets/${datasetId}/configuration/metadata`, {
    name: 'scale',
    configs: [{ name: 'Temperature', path: 'weather.temperature', valueDataType: 'NUMERIC_INT' }],
  });
}

describe('web app at 100,000 samples', () => {
  beforeAll(async () => {
    h = await startWebHarness();
    page = h.page;
    const started = Date.now();
    await seed();
    console.log(`seeded ${N} samples through the API in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await loginWithToken(page, h.token, h.base);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('loads, scrolls and filters Explore with only the visible cells in the DOM', async () => {
    const started = Date.now();
    await page.goto(`${h.base}/#/datasets/${datasetId}/explore`);
    await page.getByRole('status').filter({ hasText: '100,000 samples' }).first().waitFor({ timeout: 90_000 });
    const loadSeconds = (Date.now() - started) / 1000;
    const grid = page.getByRole('listbox', { name: 'Sample thumbnails' });
    const cellsAtTop = await grid.getByRole('option').count();
    expect(cellsAtTop).toBeGreaterThan(0);
    expect(cellsAtTop).toBeLessThan(300);

    // Scroll half a screen per frame for 60 frames and time each frame, as a user flinging the list would.
    const frames = await page.evaluate(async () => {
      const el = document.querySelector('.virtual-grid') as Scroller;
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
    const median = frames[Math.floor(frames.length / 2)];
    const p95 = frames[Math.floor(frames.length * 0.95)];
    await page.evaluate(() => {
      const el = document.querySelector('.virtual-grid') as Scroller;
      el.scrollTop = el.scrollHeight;
    });
    await grid.getByText(`img_${String(N - 1).padStart(6, '0')}.jpg`).waitFor();
    const cellsAtEnd = await grid.getByRole('option').count();
    expect(cellsAtEnd).toBeLessThan(300);

    const filterStarted = Date.now();
    await page.getByLabel('Minimum Temperature', { exact: true }).fill('20');
    const expected = temperatures.filter((t) => t >= 20).length;
    await page.getByTestId('visible-count').filter({ hasText: expected.toLocaleString('en-US') }).waitFor();
    const filterMs = Date.now() - filterStarted;
    console.log(
      `explore at ${N}: loaded in ${loadSeconds.toFixed(1)} s; ${cellsAtTop} cells in the DOM at the top, ${cellsAtEnd} at the end; ` +
        `scroll frames median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms; filter to ${expected} in ${filterMs} ms`,
    );
    // Loose on a shared 2-core machine (medians of 25–57 ms were seen here under load, with the server in the same
    // process): what this guards against is rendering every row, which took seconds per frame.
    expect(median).toBeLessThan(150);
    await h.shot('explore-100k');
  });

  it('draws the 100,000-point embedding map in under a second, coloured by temperature', async () => {
    await datasetTab(page, 'Embedding map').click();
    const status = page.getByTestId('map-status');
    await status.filter({ hasText: 'drawn in' }).waitFor({ timeout: 60_000 });
    const plain = Number(/drawn in (\d+) ms/.exec((await status.textContent()) ?? '')?.[1]);
    await page.getByLabel('Colour by').selectOption({ label: 'Temperature' });
    // The legend appears with the coloured redraw; the status then reports that redraw's time.
    await page.getByLabel('Colour legend').waitFor();
    // The draw effect runs after that render and sets the figure in the next one: wait two frames.
    await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
    const coloured = Number(/drawn in (\d+) ms/.exec((await status.textContent()) ?? '')?.[1]);
    console.log(`embedding map at ${N} points: drawn in ${plain} ms, coloured by temperature in ${coloured} ms`);
    expect((await status.textContent()) ?? '').toContain('100,000 points');
    expect(plain).toBeLessThan(1000);
    expect(coloured).toBeLessThan(1000);
    await h.shot('embedding-map-100k');
  });
});
