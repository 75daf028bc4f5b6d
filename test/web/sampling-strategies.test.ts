import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STRATEGY, STRATEGY_DESCRIPTIONS, selectFromFiles } from '../../src/select';
import { seedRealPhotos, type RealPhotoDataset } from './real-photos';
import { loginWithToken, startWebHarness, type WebHarness } from './web-harness';

/**
 * The Sampling page in headless Chromium with the new strategies: it offers the default (`coverage-diversity`,
 * preselected), `coverage` and `typicality` with their one-line explanations, and a run of each from the page tags
 * exactly what the selection engine picks from the dataset's own embeddings CSV with that strategy.
 */

let h: WebHarness;
let photos: RealPhotoDataset;

beforeAll(async () => {
  h = await startWebHarness();
  photos = await seedRealPhotos(h, 'strategies');
  await loginWithToken(h.page, h.token, h.base);
});

afterAll(async () => {
  await h?.close();
});

describe('Sampling page: typicality, coverage and the default in Chromium', () => {
  it('offers the new strategies with their explanations, and each run tags what the engine selects', { timeout: 240_000 }, async () => {
    const page = h.page;
    // The engine's answer, from the CSV the platform stores (fetched through its signed read URL, as Lightly's client does).
    const [embedding] = await h.api<{ id: string }[]>('GET', `/v1/datasets/${photos.id}/embeddings`);
    const readUrl = await h.api<string>('GET', `/v1/datasets/${photos.id}/embeddings/${embedding.id}/readCSVUrl`);
    const csv = path.join(h.home, 'strategies-embeddings.csv');
    await writeFile(csv, await (await fetch(readUrl.replace(/^"|"$/g, ''))).text());

    await page.goto(`${h.base}/#/datasets/${photos.id}/sampling`);
    const strategy = page.getByLabel('Strategy');
    await strategy.waitFor();
    expect(await strategy.inputValue()).toBe(DEFAULT_STRATEGY);
    const offered = await strategy.locator('option').evaluateAll((options) => options.map((o) => [(o as unknown as { value: string }).value, o.textContent]));
    expect(offered).toEqual(expect.arrayContaining([[DEFAULT_STRATEGY, `${DEFAULT_STRATEGY} (default)`], ['coverage', 'coverage'], ['typicality', 'typicality']]));

    for (const name of [DEFAULT_STRATEGY, 'coverage', 'typicality'] as const) {
      await strategy.selectOption(name);
      await expect.poll(() => page.locator('#strategy-help').textContent()).toBe(STRATEGY_DESCRIPTIONS[name]);
      await page.getByLabel('Samples to select').fill('6');
      await page.getByLabel('Name', { exact: true }).fill(`${name}-run`);
      await page.getByRole('button', { name: 'Process' }).click();
      await page.getByText(`${name}-run: finished`).waitFor({ timeout: 60_000 });

      const tags = await h.api<{ id: string; name: string }[]>('GET', `/v1/datasets/${photos.id}/tags`);
      const run = tags.find((t) => t.name === `${name}-run`)!;
      const tagged = await h.api<string>('GET', `/v1/datasets/${photos.id}/tags/${run.id}/export/basic/filenames`);
      const engine = await selectFromFiles({ embeddingsPath: csv, config: { strategy: name, n: 6 } });
      expect(tagged.trim().split('\n').sort(), name).toEqual([...engine.selected].sort());
    }
  });
});
