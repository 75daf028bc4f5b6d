import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoDataset } from '../../src/demo/generate-demo-dataset';
import { datasetStorageDir } from '../../src/platform/service/datasets';
import { createFolderSink, uploadForMode } from '../../src/s3/upload-modes';
import { datasetTab, startWebHarness, type WebHarness } from './web-harness';

/**
 * The seed's web-app flow in headless Chromium against a real platform server (SQLite in a temp home): log in with a
 * token, configure weather.temperature, filter by it, run a coreset selection, move the slider to 10, create the tag,
 * and find it in the tag list and through the API. Screenshots go to test-results/web/.
 */

let h: WebHarness;
let page: Page;
let base: string;
let token: string;
let datasetId: string;
let temperatures: Map<string, number>;
const api = <T>(method: string, url: string, body?: unknown) => h.api<T>(method, url, body);
const shot = (name: string) => h.shot(name);
const tab = (name: string) => datasetTab(page, name);

/** A cheap, honest embedding: the image shrunk to 4×4 RGB, so similar-looking images land close together. */
async function tinyEmbedding(file: string): Promise<number[]> {
  const { data } = await sharp(file).resize(4, 4, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const v = Array.from(data, (x) => x / 255);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** Seeds a dataset through the REST API as `winnow run` would: samples, stored images, embeddings CSV, metadata. */
async function seedDataset(): Promise<string> {
  const demo = await generateDemoDataset({ dir: path.join(h.home, 'demo'), perGroup: 8, size: 96 });
  const metadata = JSON.parse(await readFile(demo.metadataPath, 'utf8')) as {
    images: { id: number; file_name: string }[];
    metadata: { image_id: number; weather: { temperature: number } }[];
  };
  const names = metadata.images.map((i) => i.file_name).filter((n) => !demo.corruptFiles.includes(n));
  temperatures = new Map(metadata.metadata.map((m) => [metadata.images[m.image_id].file_name, m.weather.temperature]));

  const { id } = await api<{ id: string }>('POST', '/v1/datasets', { name: 'web-e2e', type: 'Images' });
  const uploaded = await uploadForMode({
    mode: 'full',
    source: { images: names.map((fileName) => ({ fileName, path: path.join(demo.imagesDir, fileName) })) },
    sink: createFolderSink(datasetStorageDir(h.home, id)),
  });
  const thumbs = new Map(uploaded.samples.map((s) => [s.fileName, s.thumbName ?? null]));
  await api('POST', `/v1/datasets/${id}/samples/batch`, { samples: names.map((fileName) => ({ fileName, thumbName: thumbs.get(fileName) ?? null })) });

  const rows = await Promise.all(names.map(async (n) => [n, ...(await tinyEmbedding(path.join(demo.imagesDir, n)))].join(',') + ',0'));
  const header = ['filenames', ...Array.from({ length: 48 }, (_, k) => `embedding_${k}`), 'labels'].join(',');
  const { signedWriteUrl } = await api<{ signedWriteUrl: string }>('GET', `/v1/datasets/${id}/embeddings/writeCSVUrl?name=default`);
  const put = await fetch(signedWriteUrl, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: [header, ...rows].join('\r\n') + '\r\n' });
  expect(put.status, await put.clone().text()).toBe(200);
  await api('POST', `/v1/datasets/${id}/customMetadata`, metadata);
  return id;
}

describe('web app in Chromium', () => {
  beforeAll(async () => {
    h = await startWebHarness();
    ({ page, base, token } = h);
    datasetId = await seedDataset();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('serves the app and its assets without a token, and the API only with one', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    const js = await fetch(base + asset);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/assets/../../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/v1/datasets`)).status).toBe(401);
  });

  it('walks the seed flow: login, configure, filter, coreset, slider to 10, tag', async () => {
    // 1. log in with the token
    await page.goto(base);
    await page.getByLabel('API token').fill('wnw_not-a-real-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();

    // 2. the dataset page with its Dataset ID
    await page.getByRole('heading', { name: 'Datasets' }).waitFor();
    await expect.poll(() => page.locator('code.dataset-id').first().textContent()).toBe(datasetId);
    await shot('datasets');
    await page.getByRole('link', { name: 'web-e2e' }).click();
    const total = temperatures.size;
    await page.getByRole('status').filter({ hasText: `${total} samples` }).first().waitFor();

    // 3. configurator: add entry → path → type → display name → fallback → save
    await tab('Configurator').click();
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByLabel('Path').selectOption('weather.temperature');
    expect(await page.getByLabel('Type').inputValue()).toBe('NUMERIC_FLOAT');
    await page.getByLabel('Display name').fill('Temperature');
    await page.getByLabel('Fallback value').fill('0');
    await shot('configurator');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'weather.temperature' }).waitFor();
    const configs = await api<{ configs: { path: string; name: string; valueDataType: string }[] }[]>('GET', `/v1/datasets/${datasetId}/configuration/metadata`);
    expect(configs.at(-1)?.configs).toContainEqual(expect.objectContaining({ path: 'weather.temperature', name: 'Temperature', valueDataType: 'NUMERIC_FLOAT' }));

    // 4. explore: filter by temperature; the count matches the metadata
    await tab('Explore').click();
    const sorted = [...temperatures.values()].sort((a, b) => a - b);
    const threshold = sorted[Math.floor(sorted.length / 2)];
    await page.getByLabel('Minimum Temperature', { exact: true }).fill(String(threshold));
    const expected = sorted.filter((t) => t >= threshold).length;
    expect(expected).toBeLessThan(total);
    await expect.poll(() => page.getByTestId('visible-count').textContent()).toBe(String(expected));
    const grid = page.getByRole('listbox', { name: 'Sample thumbnails' });
    const firstThumb = grid.getByRole('option').first().locator('img');
    await expect.poll(() => firstThumb.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth > 0)).toBe(true);
    await shot('explore');
    await grid.getByRole('option').first().press('Enter');
    await page.getByRole('dialog').getByRole('term').filter({ hasText: 'Temperature' }).waitFor();
    await shot('sample-detail');
    await page.keyboard.press('Escape');
    // Focus goes back to the thumbnail that opened the panel.
    await expect.poll(() => grid.getByRole('option').first().evaluate((el) => (el as unknown as { matches(s: string): boolean }).matches(':focus'))).toBe(true);

    // 5. embedding map: PCA scatter coloured by temperature; a box selection becomes a tag
    await tab('Embedding map').click();
    await page.getByTestId('map-status').filter({ hasText: 'points' }).waitFor();
    await page.getByLabel('Colour by').selectOption({ label: 'Temperature' });
    // Without a pointer: select by the value the map is coloured by.
    await page.getByLabel('From', { exact: true }).fill(String(threshold));
    await page.getByRole('button', { name: 'Select range' }).click();
    await expect.poll(() => page.getByTestId('map-selected').textContent()).toBe(`${expected} selected`);
    const box = (await page.locator('canvas.overlay').boundingBox()) as { x: number; y: number; width: number; height: number };
    await page.mouse.move(box.x + box.width * 0.02, box.y + box.height * 0.02);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('map-selected').textContent()).not.toBe('0 selected');
    const boxed = Number((await page.getByTestId('map-selected').textContent())?.split(' ')[0]);
    await page.getByLabel('Selection tag').fill('map-box');
    await shot('embedding-map');
    await page.getByRole('button', { name: 'Add to tag' }).click();
    await page.getByText(`Created tag map-box with ${boxed} samples.`).waitFor();

    // 6. sampling: coreset, Process, progress, slider to 10, Create tag
    await tab('Sampling').click();
    await page.getByLabel('Strategy').selectOption('coreset');
    await page.getByLabel('Samples to select').fill('20');
    await page.getByLabel('Name', { exact: true }).fill('coreset-run');
    await page.getByRole('button', { name: 'Process' }).click();
    const slider = page.getByLabel('Samples to keep');
    await slider.waitFor({ timeout: 60_000 });
    expect(await page.locator('#job-progress').getAttribute('value')).toBe('100');
    await slider.focus();
    await slider.press('Home');
    for (let i = 0; i < 9; i++) await slider.press('ArrowRight');
    await expect.poll(() => page.getByTestId('keep-count').textContent()).toBe('10');
    expect(await page.getByLabel('Tag name').inputValue()).toBe('coreset-run-10');
    await expect.poll(() => page.getByRole('listbox', { name: 'Preview of the chosen samples' }).getByRole('option').count()).toBe(10);
    await shot('sampling');
    await page.getByRole('button', { name: 'Create tag' }).click();
    await page.getByText('Created tag').waitFor();

    // 7. tags: the new tag is listed with 10 samples and its lineage, and the API agrees
    await tab('Tags').click();
    const row = page.locator('tr[data-tag-name="coreset-run-10"]');
    await row.waitFor();
    expect(await row.locator('td.num').textContent()).toBe('10');
    expect(await row.locator('td.lineage').textContent()).toBe('initial-tag › coreset-run › coreset-run-10');
    await shot('tags');
    const tags = await api<{ id: string; name: string; bitMaskData: string }[]>('GET', `/v1/datasets/${datasetId}/tags`);
    const tag = tags.find((t) => t.name === 'coreset-run-10');
    expect(tag).toBeDefined();
    const names = await api<string[]>('GET', `/v1/datasets/${datasetId}/tags/${tag?.id}/filenames`);
    expect(names).toHaveLength(10);
    const ranking = await api<{ fileName: string }[]>('GET', `/v1/jobs/${(await api<{ runId?: string; name: string }[]>('GET', `/v1/datasets/${datasetId}/tags`)).find((t) => t.name === 'coreset-run')?.runId}/scores`);
    expect(new Set(names)).toEqual(new Set(ranking.slice(0, 10).map((r) => r.fileName)));
    expect(tags.map((t) => t.name)).toContain('map-box');
  });

  it('runs a weights-by-metadata selection: the hottest samples rank first', async () => {
    await page.goto(`${base}/#/datasets/${datasetId}/sampling`);
    await page.getByLabel('Strategy').selectOption('weights');
    await page.getByLabel('Weight by').selectOption({ label: 'Temperature' });
    await page.getByLabel('Samples to select').fill('5');
    await page.getByLabel('Name', { exact: true }).fill('warm-run');
    await page.getByRole('button', { name: 'Process' }).click();
    await page.getByLabel('Samples to keep').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('keep-count').textContent()).toBe('5');
    const tag = (await api<{ name: string; runId?: string }[]>('GET', `/v1/datasets/${datasetId}/tags`)).find((t) => t.name === 'warm-run');
    const ranking = await api<{ fileName: string }[]>('GET', `/v1/jobs/${tag?.runId}/scores`);
    const hottest = Math.max(...temperatures.values());
    expect(temperatures.get(ranking[0].fileName)).toBe(hottest);
  });

  it('combines tags and manages API tokens (shown once, revocable)', async () => {
    await page.goto(`${base}/#/datasets/${datasetId}/tags`);
    await page.getByLabel('First tag').selectOption({ label: 'coreset-run-10' });
    await page.getByLabel('Operation').selectOption('UNION');
    await page.getByLabel('Second tag').selectOption({ label: 'map-box' });
    await page.getByLabel('New tag name').fill('coreset-or-box');
    await page.getByRole('button', { name: 'Create combined tag' }).click();
    const combined = page.locator('tr[data-tag-name="coreset-or-box"]');
    await combined.waitFor();
    const union = (await api<{ id: string; name: string }[]>('GET', `/v1/datasets/${datasetId}/tags`)).find((t) => t.name === 'coreset-or-box');
    const combinedNames = await api<string>('GET', `/v1/datasets/${datasetId}/tags/${union?.id}/export/basic/filenames`);
    expect(await combined.locator('td.num').textContent()).toBe(String(combinedNames.split('\n').length));
    // Made in the web app, and said so in words.
    expect(await combined.locator('td').nth(2).textContent()).toBe('web app');

    // Export downloads the file names, one a line; Delete asks first, then the tag is gone here and in the API.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export file names of coreset-run-10' }).click()]);
    expect(download.suggestedFilename()).toBe('coreset-run-10.txt');
    const exported = (await readFile(await download.path(), 'utf8')).trim().split('\n');
    expect(exported).toHaveLength(10);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete coreset-or-box' }).click();
    await combined.waitFor({ state: 'detached' });
    expect((await api<{ name: string }[]>('GET', `/v1/datasets/${datasetId}/tags`)).map((t) => t.name)).not.toContain('coreset-or-box');

    // A dataset created on the Datasets screen is listed with 0 samples and its own Dataset ID.
    await page.getByRole('link', { name: 'Datasets' }).click();
    await page.getByLabel('Name').fill('created-in-browser');
    await page.getByRole('button', { name: 'Create' }).click();
    const createdRow = page.getByRole('row', { name: /created-in-browser/ });
    await createdRow.waitFor();
    const created = (await api<{ id: string; name: string }[]>('GET', '/v1/datasets')).find((d) => d.name === 'created-in-browser');
    expect(await createdRow.locator('code.dataset-id').textContent()).toBe(created?.id);

    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Token name').fill('n8n');
    await page.getByRole('button', { name: 'Create token' }).click();
    const fresh = (await page.getByTestId('new-token').textContent()) as string;
    expect(fresh).toMatch(/^wnw_/);
    await shot('tokens');
    const check = await fetch(`${base}/v1/datasets`, { headers: { authorization: `Bearer ${fresh}` } });
    expect(check.status).toBe(200);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke n8n' }).click();
    await page.getByRole('row', { name: /n8n/ }).getByText(/revoked/).waitFor();
    expect((await fetch(`${base}/v1/datasets`, { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(401);
    // The new token was shown once: a reload does not bring it back.
    await page.reload();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    expect(await page.getByTestId('new-token').count()).toBe(0);
  });
});

