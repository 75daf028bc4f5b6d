import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLURRED, COPIES, DARKENED, seedHealthPhotos, type HealthPhotoDataset } from './health-photos';
import { axeContext, docShot, expectAccessible } from './page-checks';
import { datasetTab, loginWithToken, startWebHarness, type WebHarness } from './web-harness';

/**
 * The Health page in headless Chromium against a real platform server, on real photos with known copies embedded by
 * the real default model: run the health check from the page, see each duplicate group side by side with its keeper,
 * keep or remove per group and all at once (checked in the tags through the API), outliers, a quality histogram's
 * range filter, and "Find similar" in the sample view answered by the ANN index.
 */

let h: WebHarness;
let context: BrowserContext;
let page: Page;
let photos: HealthPhotoDataset;

interface Tag {
  id: string;
  name: string;
}
const tagFiles = async (name: string): Promise<string[]> => {
  const tag = (await h.api<Tag[]>('GET', `/v1/datasets/${photos.id}/tags`)).find((t) => t.name === name);
  if (tag === undefined) return [];
  return (await h.api<string[]>('GET', `/v1/datasets/${photos.id}/tags/${tag.id}/filenames`)).sort();
};

describe('Health page in Chromium', () => {
  beforeAll(async () => {
    h = await startWebHarness();
    photos = await seedHealthPhotos(h, 'health-photos');
    context = await axeContext(h.browser);
    page = await context.newPage();
    await loginWithToken(page, h.token, h.base);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await h?.close();
  });

  it('runs the health check from the page and shows every copy in a group with its keeper', async () => {
    await page.goto(`${h.base}/#/datasets/${photos.id}/explore`);
    await datasetTab(page, 'Health').click();
    await page.getByText('No health check has run on this dataset yet.').waitFor();
    await page.getByRole('button', { name: 'Run health check' }).click();
    await page.getByTestId('health-status').filter({ hasText: `${photos.names.length} samples, ${photos.names.length} measured` }).waitFor({ timeout: 60_000 });

    for (const [copy, of] of Object.entries(COPIES)) {
      const group = page.getByRole('listitem').filter({ has: page.getByRole('img', { name: copy, exact: true }) }).filter({ has: page.locator('.group-head') });
      await group.getByRole('img', { name: of, exact: true }).waitFor();
      await expect.poll(() => group.locator('.badge.keeper').count()).toBe(1);
    }
    const exact = page.getByRole('listitem', { name: /exact copies/ });
    await expect.poll(() => exact.getByRole('img').count()).toBe(2);
    await page.getByRole('heading', { name: /^Outliers/ }).waitFor();
    await expectAccessible(page, 'health');
    await docShot(page, 'health');
  });

  it('keeps or removes per group, and removes all but keepers in one action', async () => {
    const report = (await h.api<{ report: { duplicatesToRemove: string[]; nearDuplicates: { files: string[]; keeper: string }[] } }>('GET', `/v1/datasets/${photos.id}/health/latest`)).report;
    // The job's tags: every sample but the duplicates to remove.
    expect(await tagFiles('duplicates-removed')).toEqual(photos.names.filter((n) => !report.duplicatesToRemove.includes(n)).sort());

    const chelsea = page.getByRole('listitem').filter({ has: page.getByRole('img', { name: 'chelsea_q40.jpg', exact: true }) }).filter({ has: page.locator('.group-head') });
    await chelsea.getByRole('button', { name: 'Keep all' }).click();
    await expect.poll(() => chelsea.getByTestId('group-state').textContent()).toBe('all copies kept');
    const kept = await tagFiles('duplicates-removed');
    expect(kept).toContain('chelsea.jpg');
    expect(kept).toContain('chelsea_q40.jpg');
    expect(await tagFiles('duplicates')).not.toContain('chelsea_q40.jpg');

    await page.getByRole('button', { name: 'Remove all but keepers' }).click();
    await page.getByText(/Removed all but the keepers of \d+ groups/).waitFor();
    const groups = report.nearDuplicates;
    const removed = groups.flatMap((g) => g.files.filter((f) => f !== g.keeper));
    const afterAll = await tagFiles('duplicates-removed');
    for (const g of groups) expect(afterAll).toContain(g.keeper);
    for (const f of removed) expect(afterAll).not.toContain(f);
    expect(await tagFiles('duplicates')).toEqual([...new Set(removed)].sort());
    await expect.poll(() => chelsea.getByTestId('group-state').textContent()).toBe('duplicates removed');
  });

  it('filters by a quality measure with its histogram', async () => {
    const dark = [...photos.measures.values()].filter((m) => m.brightness <= 0.2).map((m) => m.fileName);
    expect(dark).toContain(DARKENED);
    await page.getByRole('img', { name: /^Histogram of Brightness/ }).waitFor();
    await page.getByLabel('Maximum Brightness').fill('0.2');
    await expect.poll(() => page.getByTestId('measure-pass-count').textContent()).toBe(`${dark.length} of ${photos.names.length} samples in the chosen ranges`);
    const inRange = page.getByRole('list', { name: 'Samples in the chosen ranges' });
    await inRange.getByRole('img', { name: DARKENED, exact: true }).waitFor();
    // The range is in the URL: a reload shows the same view.
    expect(page.url()).toContain('q.brightness=');
    await page.reload();
    await expect.poll(() => page.getByTestId('measure-pass-count').textContent()).toBe(`${dark.length} of ${photos.names.length} samples in the chosen ranges`);
    const blurry = page.getByRole('button', { name: 'Show blurry' });
    if (await blurry.isEnabled()) {
      await blurry.click();
      await page.getByRole('list', { name: 'blurry images' }).getByRole('img', { name: BLURRED, exact: true }).waitFor();
    }
  });

  it('switches the embedding map to UMAP, computed by a job on the server', async () => {
    await page.goto(`${h.base}/#/datasets/${photos.id}/map`);
    await page.getByRole('radio', { name: 'UMAP' }).check();
    expect(page.url()).toContain('proj=umap');
    await page.getByRole('button', { name: 'Compute UMAP' }).click();
    const umap = await (async () => {
      for (let i = 0; i < 120; i++) {
        const response = await fetch(`${h.base}/v1/datasets/${photos.id}/embeddings/${photos.embeddingId}/2d?method=UMAP`, { headers: { authorization: `Bearer ${h.token}` } });
        if (response.ok) return (await response.json()) as { dimensionalityReductionMethod: string; fileNames: string[]; coordinatesDimension1: number[] };
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error('the UMAP map never appeared');
    })();
    expect(umap.dimensionalityReductionMethod).toBe('UMAP');
    expect(umap.fileNames.sort()).toEqual([...photos.names].sort());
    expect(umap.coordinatesDimension1.every(Number.isFinite)).toBe(true);
    // The page swaps the job's progress for the map once the job has finished.
    await page.getByRole('button', { name: 'Compute UMAP' }).waitFor({ state: 'detached' });
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Computing UMAP' }).count()).toBe(0);
    await expectAccessible(page, 'map with UMAP');
    await docShot(page, 'map-umap');
    const pca = await h.api<{ coordinatesDimension1: number[] }>('GET', `/v1/datasets/${photos.id}/embeddings/${photos.embeddingId}/2d`);
    expect(pca.coordinatesDimension1).not.toEqual(umap.coordinatesDimension1);
  });

  it('finds similar samples from the sample view through the ANN index', async () => {
    await page.goto(`${h.base}/#/datasets/${photos.id}/health`);
    const chelsea = page.getByRole('link', { name: 'Open chelsea.jpg' }).first();
    await chelsea.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'chelsea.jpg' }).waitFor();
    await dialog.getByRole('button', { name: 'Find similar' }).click();
    const similar = dialog.getByRole('list', { name: 'Similar samples' });
    await similar.getByRole('button').first().waitFor();
    expect(await similar.getByRole('button').first().getAttribute('aria-label')).toMatch(/^Open chelsea_q40\.jpg/);
    await expectAccessible(page, 'sample view with similar samples');
    await docShot(page, 'health-similar');
    // A neighbour opens in the same view.
    await similar.getByRole('button').first().click();
    await dialog.getByRole('heading', { name: 'chelsea_q40.jpg' }).waitFor();

    const api = await h.api<{ neighbours: { fileName: string; similarity: number }[] }>(
      'GET',
      `/v1/datasets/${photos.id}/samples/${page.url().match(/sample=([^&]+)/)?.[1]}/similar?k=3`,
    );
    expect(api.neighbours[0].fileName).toBe('chelsea.jpg');
    expect(api.neighbours[0].similarity).toBeGreaterThan(0.8);
  });
});
