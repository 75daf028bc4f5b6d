import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/platform/service/tokens';
import { axeContext, docShot, expectAccessible } from './page-checks';
import { seedRealPhotos, SUBJECTS, type RealPhotoDataset } from './real-photos';
import { datasetTab, startWebHarness, type WebHarness } from './web-harness';

/**
 * The curator's daily tasks in headless Chromium, end to end against a real platform server (SQLite) and 48 real
 * photos in 8 subjects: tag one subject from Explore in three actions, step through samples with → and tag two, get
 * the same view back from the URL (reload, and a colleague's new browser after signing in), lasso and tag on the map,
 * reopen a sampling run, compare two tags. Across all of it no API token may appear in a request URL, a DOM
 * attribute, web storage or a server log line. Each page is checked with axe-core (no serious or critical
 * violations) and photographed into test-results/web/ (and docs/screenshots/ with WINNOW_SCREENSHOTS=1).
 */

// Browser globals used inside page.evaluate; the test program has no DOM lib.
declare const document: { documentElement: { outerHTML: string; dataset: Record<string, string> }; body: unknown };
declare const window: { getComputedStyle(el: unknown): { backgroundColor: string } };
declare const localStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null };
declare const sessionStorage: typeof localStorage;
let h: WebHarness;
let page: Page;
let photos: RealPhotoDataset;
let tokens: string[];
const requestUrls: string[] = [];
const api = <T>(method: string, url: string, body?: unknown) => h.api<T>(method, url, body);

function watch(target: Page): void {
  target.on('request', (request) => requestUrls.push(request.url()));
}

/** The DOM (attributes included) and web storage must never hold a token. */
async function expectNoTokenInPage(target: Page): Promise<void> {
  const found = await target.evaluate((secrets) => {
    const html = document.documentElement.outerHTML;
    const stored: string[] = [];
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i++) stored.push(`${storage.key(i)}=${storage.getItem(storage.key(i) as string)}`);
    }
    return secrets.filter((s) => html.includes(s) || stored.some((v) => v.includes(s)));
  }, tokens);
  expect(found).toEqual([]);
}

async function signIn(target: Page, token: string): Promise<void> {
  await target.getByLabel('API token').fill(token);
  await target.getByRole('button', { name: 'Log in' }).click();
  await target.getByRole('button', { name: 'Sign out' }).waitFor();
}

const visibleCount = async (target: Page) => Number(((await target.getByTestId('visible-count').textContent()) ?? '').replace(/,/g, ''));

describe('curator tasks in Chromium', () => {
  let context: BrowserContext;

  beforeAll(async () => {
    h = await startWebHarness({ captureLogs: true });
    photos = await seedRealPhotos(h, 'real-photos');
    const colleague = await createApiToken(h.store, { name: 'colleague' });
    tokens = [h.token, colleague.token];
    context = await axeContext(h.browser);
    page = await context.newPage();
    watch(page);
  });

  afterAll(async () => {
    await context?.close();
    await h?.close();
  });

  it('signs in once with a token; a new tab of the same browser is signed in; no token in storage or DOM', async () => {
    await page.goto(`${h.base}/#/datasets`);
    await expectAccessible(page, 'sign-in');
    await docShot(page, 'sign-in');
    await signIn(page, h.token);
    await page.getByRole('link', { name: 'real-photos' }).waitFor();
    const second = await context.newPage();
    watch(second);
    await second.goto(`${h.base}/#/datasets`);
    await second.getByRole('link', { name: 'real-photos' }).waitFor();
    await second.close();
    await expectNoTokenInPage(page);
    await expectAccessible(page, 'datasets');
  });

  it('tags every photo of one subject from Explore in three actions', async () => {
    await page.goto(`${h.base}/#/datasets/${photos.id}/explore`);
    await page.getByRole('status').filter({ hasText: '48 samples' }).first().waitFor();
    await expectAccessible(page, 'explore');
    await docShot(page, 'explore');
    // 1: only chelsea (the cat)
    await page.getByRole('button', { name: 'Only chelsea' }).click();
    await expect.poll(() => visibleCount(page)).toBe(6);
    // 2: select all filtered
    await page.getByRole('button', { name: 'Select all 6' }).click();
    // 3: name the tag and add
    await page.getByLabel('Selection tag').fill('cats');
    await page.getByLabel('Selection tag').press('Enter');
    await page.getByText('Created tag cats with 6 samples.').waitFor();
    const tag = (await api<{ id: string; name: string }[]>('GET', `/v1/datasets/${photos.id}/tags`)).find((t) => t.name === 'cats');
    const names = await api<string[]>('GET', `/v1/datasets/${photos.id}/tags/${tag?.id}/filenames`);
    expect(names.sort()).toEqual([...photos.subjects].filter(([, s]) => s === 'chelsea').map(([n]) => n).sort());
    await expectAccessible(page, 'explore with a selection');
    await docShot(page, 'explore-selection');
  });

  it('counts facets under the other filters, filters numbers with a histogram, and clears from the top', async () => {
    await page.getByRole('button', { name: 'Clear filters (1)' }).click();
    await expect.poll(() => visibleCount(page)).toBe(48);
    await page.getByRole('button', { name: 'Only grey' }).click();
    await expect.poll(() => visibleCount(page)).toBe(8);
    // The Subject counts now count grey views only: one per subject.
    const subject = page.getByRole('group', { name: 'Subject' });
    await expect.poll(() => subject.getByText('(1)').count()).toBe(SUBJECTS.length);
    await page.getByRole('img', { name: /Histogram of Brightness/ }).waitFor();
    await page.getByRole('button', { name: 'None of View' }).click();
    await expect.poll(() => visibleCount(page)).toBe(0);
    await page.getByText('No sample passes these filters').waitFor();
    await page.getByRole('button', { name: /^Clear filters/ }).click();
    await expect.poll(() => visibleCount(page)).toBe(48);
  });

  it('steps through 10 samples with → and adds two of them to a tag from the sample view', async () => {
    await api('POST', `/v1/datasets/${photos.id}/tags`, { name: 'review', bitMaskData: '0x1' });
    await page.reload();
    const grid = page.getByRole('listbox', { name: 'Sample thumbnails' });
    await grid.getByRole('option').first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('sample-position').filter({ hasText: '1 of 48' }).waitFor();
    const added: string[] = [];
    for (let step = 1; step <= 10; step++) {
      await page.keyboard.press('ArrowRight');
      await dialog.getByTestId('sample-position').filter({ hasText: `${step + 1} of 48` }).waitFor();
      if (step === 3 || step === 7) {
        added.push((await dialog.getByRole('heading').first().textContent()) as string);
        await dialog.getByRole('checkbox', { name: 'review' }).check();
        await dialog.getByText(/Added 1 samples to review/).waitFor();
        // Focus back on the page so → steps again.
        await dialog.getByRole('heading').first().click();
      }
    }
    expect(page.url()).toContain('sample=');
    await expectAccessible(page, 'sample view');
    await docShot(page, 'sample-view');
    const tag = (await api<{ id: string; name: string }[]>('GET', `/v1/datasets/${photos.id}/tags`)).find((t) => t.name === 'review');
    const names = await api<string[]>('GET', `/v1/datasets/${photos.id}/tags/${tag?.id}/filenames`);
    expect(names).toHaveLength(3);
    for (const name of added) expect(names).toContain(name);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('gets the same view back from the URL: reload, Back/Forward, and a colleague’s new browser after signing in', async () => {
    const cats = (await api<{ id: string; name: string }[]>('GET', `/v1/datasets/${photos.id}/tags`)).find((t) => t.name === 'cats');
    await page.getByLabel('Tag', { exact: true }).selectOption({ label: 'cats (6)' });
    await page.getByRole('button', { name: 'Only flipped' }).click();
    await expect.poll(() => visibleCount(page)).toBe(1);
    await page.getByRole('listbox', { name: 'Sample thumbnails' }).getByRole('option').first().click();
    await page.getByRole('dialog').getByRole('heading', { name: 'chelsea/chelsea_flipped.jpg' }).waitFor();
    const link = page.url();
    expect(link).toContain(`tag=${cats?.id}`);

    await page.reload();
    await page.getByRole('dialog').getByRole('heading', { name: 'chelsea/chelsea_flipped.jpg' }).waitFor();
    await expect.poll(() => visibleCount(page)).toBe(1);

    // Back closes the sample, Back again drops the filter; Forward brings them back.
    await page.goBack();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.goBack();
    await expect.poll(() => visibleCount(page)).toBe(6);
    await page.goForward();
    await expect.poll(() => visibleCount(page)).toBe(1);

    const colleague = await h.browser.newContext({ viewport: { width: 1360, height: 860 } });
    const theirs = await colleague.newPage();
    watch(theirs);
    await theirs.goto(link);
    await signIn(theirs, tokens[1]);
    await theirs.getByRole('dialog').getByRole('heading', { name: 'chelsea/chelsea_flipped.jpg' }).waitFor();
    await expect.poll(() => visibleCount(theirs)).toBe(1);
    await expectNoTokenInPage(theirs);
    // Sign-out ends the session on the server: a reload asks for a token again.
    await theirs.keyboard.press('Escape');
    await theirs.getByRole('button', { name: 'Sign out' }).click();
    await theirs.getByLabel('API token').waitFor();
    await theirs.reload();
    await theirs.getByLabel('API token').waitFor();
    await colleague.close();
  });

  it('lassos on the map and tags the selection without leaving the map; zoom is in the URL; hover shows, a click opens a sample', async () => {
    await page.goto(`${h.base}/#/datasets/${photos.id}/map`);
    await page.getByTestId('map-status').filter({ hasText: '48 points' }).waitFor();
    await page.getByLabel('Colour by').selectOption({ label: 'Subject' });
    await page.getByLabel('Lasso').check();
    const box = (await page.locator('canvas.overlay').boundingBox()) as { x: number; y: number; width: number; height: number };
    const at = (fx: number, fy: number) => [box.x + box.width * fx, box.y + box.height * fy] as const;
    await page.mouse.move(...at(0.01, 0.01));
    await page.mouse.down();
    for (const [fx, fy] of [[0.6, 0.01], [0.6, 0.99], [0.3, 0.99], [0.01, 0.6], [0.01, 0.02]] as const) await page.mouse.move(...at(fx, fy), { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('map-selected').textContent()).not.toBe('0 selected');
    const selected = Number(((await page.getByTestId('map-selected').textContent()) ?? '').split(' ')[0]);
    expect(selected).toBeGreaterThan(0);
    await page.getByRole('list', { name: 'Selected samples' }).getByRole('listitem').first().waitFor();
    await page.getByLabel('Selection tag').fill('map-lasso');
    await page.getByRole('button', { name: 'Add to tag' }).click();
    await page.getByText(`Created tag map-lasso with ${selected} samples.`).waitFor();
    expect(page.url()).toContain('/map');
    await expectAccessible(page, 'map');
    await docShot(page, 'embedding-map');
    await page.getByRole('button', { name: 'Clear selection' }).click();

    // Zoom changes the view in the URL; Reset brings it back.
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await expect.poll(() => page.url()).toContain('view=');
    await page.getByRole('button', { name: 'Reset view' }).click();
    await expect.poll(() => page.url()).not.toContain('view=');

    // Hovering a point shows its thumbnail and name; a click opens it in the sample view.
    const embeddings = await api<{ id: string }[]>('GET', `/v1/datasets/${photos.id}/embeddings`);
    const coords = await api<{ fileNames: string[]; coordinatesDimension1: number[]; coordinatesDimension2: number[] }>('GET', `/v1/datasets/${photos.id}/embeddings/${embeddings[0].id}/2d`);
    const [xs, ys] = [coords.coordinatesDimension1, coords.coordinatesDimension2];
    const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    // The map's own fit: 900×560 drawing, 8 px padding, y up.
    const point = (i: number) => at((8 + ((xs[i] - minX) / (maxX - minX)) * 884) / 900, (8 + (1 - (ys[i] - minY) / (maxY - minY)) * 544) / 560);
    await page.mouse.move(...point(0));
    await page.getByTestId('map-hover').filter({ hasText: coords.fileNames[0] }).waitFor();
    await page.mouse.down();
    await page.mouse.up();
    await page.getByRole('dialog').getByRole('heading', { name: coords.fileNames[0] }).waitFor();
    await page.keyboard.press('Escape');
  });

  it('runs a sampling run, tags from its slider with the run as parent, and reopens the run from the list', async () => {
    await page.goto(`${h.base}/#/datasets/${photos.id}/sampling`);
    // The engine's default comes first; a shorthand strategy runs through Winnow's selection config.
    expect(await page.getByLabel('Strategy').inputValue()).toBe('coverage-diversity');
    await page.getByLabel('Strategy').selectOption('typicality');
    await page.getByLabel('Samples to select').fill('6');
    await page.getByLabel('Name', { exact: true }).fill('typical-6');
    await page.getByRole('button', { name: 'Process' }).click();
    await page.getByText('typical-6: finished').waitFor({ timeout: 60_000 });
    await page.getByLabel('Samples to keep').waitFor();

    await page.getByLabel('Strategy').selectOption('coreset');
    await expect.poll(() => page.locator('#strategy-help').textContent()).toContain('far apart');
    await page.getByLabel('Samples to select').fill('500');
    await page.getByText('Only 48 samples to choose from').waitFor();
    await page.getByLabel('Samples to select').fill('12');
    await page.getByLabel('Name', { exact: true }).fill('spread-12');
    await page.getByRole('button', { name: 'Process' }).click();
    await page.getByLabel('Samples to keep').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('keep-count').textContent()).toBe('12');
    await page.getByRole('button', { name: 'Create tag' }).click();
    await page.getByText('Created tag spread-12-12 with 12 samples (from run spread-12).').waitFor();
    await expectAccessible(page, 'sampling');
    await docShot(page, 'sampling');
    const tags = await api<{ id: string; name: string; prevTagId: string | null; runId?: string | null }[]>('GET', `/v1/datasets/${photos.id}/tags`);
    const runTag = tags.find((t) => t.name === 'spread-12');
    expect(tags.find((t) => t.name === 'spread-12-12')?.prevTagId).toBe(runTag?.id);

    await datasetTab(page, 'Tags').click();
    await datasetTab(page, 'Sampling').click();
    expect(page.url()).not.toContain('run=');
    // The list says what each run was asked and what came of it.
    const summary = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Open run spread-12' }) }).getByTestId('run-summary');
    await expect.poll(() => summary.textContent()).toMatch(/^coreset · n 12 · 12 selected · .+ \(\d+ s\)$/);
    await page.getByRole('link', { name: 'Open run spread-12' }).click();
    await page.getByLabel('Samples to keep').waitFor();
    expect(await page.getByTestId('keep-count').textContent()).toBe('12');
    expect(page.url()).toContain(`run=${runTag?.runId}`);
  });

  it('compares two tags and reads the overlap count', async () => {
    await page.goto(`${h.base}/#/datasets/${photos.id}/tags`);
    await page.getByLabel('Compare', { exact: true }).selectOption({ label: 'cats' });
    await page.getByLabel('With', { exact: true }).selectOption({ label: 'map-lasso' });
    const tags = await api<{ id: string; name: string }[]>('GET', `/v1/datasets/${photos.id}/tags`);
    const id = (name: string) => tags.find((t) => t.name === name)?.id as string;
    const both = await api<{ bitMaskData: string }>('POST', `/v1/datasets/${photos.id}/tags/arithmetics`, { tagId1: id('cats'), tagId2: id('map-lasso'), operation: 'INTERSECTION' });
    const expected = [...BigInt(both.bitMaskData).toString(2)].filter((b) => b === '1').length;
    await expect.poll(() => page.getByTestId('overlap-count').textContent()).toBe(String(expected));
    // The tag name leads to Explore filtered by it.
    await expectAccessible(page, 'tags');
    await docShot(page, 'tags');
    // Exports: CSV with a header and one row per sample, Label Studio tasks with signed image URLs (no API token).
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV of cats' }).click()]);
    expect((await readFile(await csv.path(), 'utf8')).trim().split('\n')).toHaveLength(7);
    const [studio] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export Label Studio tasks of cats' }).click()]);
    const tasks = JSON.parse(await readFile(await studio.path(), 'utf8')) as { data: { image: string; lightlyFileName: string } }[];
    expect(tasks.map((t) => t.data.lightlyFileName).sort()).toEqual([...photos.subjects].filter(([, s]) => s === 'chelsea').map(([n]) => n).sort());
    await page.getByRole('link', { name: 'Show cats in Explore' }).click();
    await expect.poll(() => visibleCount(page)).toBe(6);
  });

  it('follows the system dark mode and the toggle', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${h.base}/#/datasets/${photos.id}/explore`);
    await page.getByRole('status').filter({ hasText: '48 samples' }).first().waitFor();
    const background = () => page.evaluate(() => window.getComputedStyle(document.documentElement).backgroundColor);
    expect(await background()).toBe('rgb(15, 17, 21)');
    await expectAccessible(page, 'explore (dark)');
    await docShot(page, 'explore-dark');
    await page.getByLabel('Theme').selectOption('light');
    expect(await background()).toBe('rgb(246, 247, 249)');
    await page.getByLabel('Theme').selectOption('system');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows a dataset overview, the token page, and never a stale name for an unknown dataset', async () => {
    await page.goto(`${h.base}/#/datasets/${photos.id}/overview`);
    await expect.poll(() => page.getByTestId('overview-samples').textContent()).toBe('48');
    await expectAccessible(page, 'overview');
    await docShot(page, 'overview');
    await page.goto(`${h.base}/#/datasets/000000000000000000000000/explore`);
    await page.getByText('This dataset could not be opened').waitFor();
    expect(await page.locator('.dataset-name').textContent()).toBe('Dataset');
    await page.goto(`${h.base}/#/tokens`);
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await expectAccessible(page, 'tokens');
  });

  it('edits and removes Configurator entries', async () => {
    await page.goto(`${h.base}/#/datasets/${photos.id}/configurator`);
    await page.getByRole('button', { name: 'Edit Brightness' }).click();
    await page.getByLabel('Display name').fill('Mean brightness');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'Mean brightness', exact: true }).waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Remove View' }).click();
    await page.getByText('Removed View.').waitFor();
    await expectAccessible(page, 'configurator');
    await docShot(page, 'configurator');
    await datasetTab(page, 'Explore').click();
    await page.getByRole('group', { name: 'Mean brightness' }).waitFor();
    expect(await page.getByRole('group', { name: 'View' }).count()).toBe(0);
  });

  it('finds a dataset by search, shows thumbnails, and deletes one after confirming', async () => {
    await api('POST', '/v1/datasets', { name: 'scratch-to-delete' });
    await page.goto(`${h.base}/#/datasets`);
    await page.getByLabel('Search datasets').fill('scratch');
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByLabel('Search datasets').fill('');
    await expect.poll(() => page.getByRole('row', { name: /real-photos/ }).locator('.dataset-thumb img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
    await docShot(page, 'datasets');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete dataset scratch-to-delete' }).click();
    await page.getByText('Deleted dataset scratch-to-delete.').waitFor();
    expect((await api<{ name: string }[]>('GET', '/v1/datasets')).map((d) => d.name)).not.toContain('scratch-to-delete');
  });

  it('never put an API token in a request URL, a DOM attribute or a server log line', async () => {
    await expectNoTokenInPage(page);
    expect(requestUrls.length).toBeGreaterThan(50);
    expect(requestUrls.filter((url) => tokens.some((t) => url.includes(t)) || /[?&]token=/.test(url))).toEqual([]);
    expect(h.logs.length).toBeGreaterThan(50);
    expect(h.logs.filter((line) => tokens.some((t) => line.includes(t)))).toEqual([]);
  });
});
