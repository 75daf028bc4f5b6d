import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/platform/server/hardening';
import { datasetStorageDir } from '../../src/platform/service/datasets';
import { embeddingsCsv } from '../platform/helpers';
import { loginWithToken, startWebHarness, type WebHarness } from '../web/web-harness';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The web app under the Content-Security-Policy the server sends: headless Chromium opens every dataset screen and
 * must report no CSP violation (no inline script, no eval, no stray origin), while the screens render.
 */
describe('the web app runs under the Content-Security-Policy', () => {
  let harness: WebHarness;
  let datasetId: string;

  beforeAll(async () => {
    harness = await startWebHarness();
    datasetId = (await harness.api<{ id: string }>('POST', '/v1/datasets', { name: 'csp' })).id;
    const names = Array.from({ length: 8 }, (_, i) => `img-${i}.png`);
    // Stored images, so the grid loads real <img> bytes from the server under img-src.
    const dir = datasetStorageDir(harness.home, datasetId);
    await mkdir(dir, { recursive: true });
    for (const [i, name] of names.entries()) {
      await writeFile(path.join(dir, name), await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 30 * i, g: 90, b: 160 } } }).png().toBuffer());
    }
    await harness.api('POST', `/v1/datasets/${datasetId}/samples/batch`, { samples: names.map((fileName) => ({ fileName })) });
    const write = await harness.api<{ signedWriteUrl: string }>('GET', `/v1/datasets/${datasetId}/embeddings/writeCSVUrl?name=default`);
    const put = await fetch(write.signedWriteUrl, { method: 'PUT', body: embeddingsCsv(names) });
    expect(put.status).toBe(200);
  }, 300_000);
  afterAll(async () => {
    await harness?.close();
  });

  it('shows every dataset screen with no CSP violation', async () => {
    const { page, base } = harness;
    const violations: string[] = [];
    // Test code runs in the page (as strings: this file has no DOM types); init scripts are not subject to the CSP.
    await page.addInitScript({
      content: "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(base);
    expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await loginWithToken(page, harness.token, base);
    for (const screen of ['overview', 'explore', 'configurator', 'map', 'sampling', 'tags']) {
      await page.goto(`${base}/#/datasets/${datasetId}/${screen}`);
      await page.locator('main, #root > *').first().waitFor();
      await page.waitForLoadState('networkidle');
      const inPage = (await page.evaluate('window.cspViolations ?? []')) as string[];
      violations.push(...inPage.map((v) => `${screen}: ${v}`));
    }
    // The grid's images loaded (img-src allows the server's own image route).
    await page.goto(`${base}/#/datasets/${datasetId}/explore`);
    await page.reload();
    await page.locator('img[alt="img-0.png"]').waitFor({ state: 'attached' });
    const loaded = "[...document.querySelectorAll('img[alt$=\".png\"]')].filter((img) => img.complete && img.naturalWidth > 0).length";
    await expect.poll(async () => (await page.evaluate(loaded)) as number, { timeout: 30_000 }).toBeGreaterThan(0);
    violations.push(...((await page.evaluate('window.cspViolations ?? []')) as string[]));
    expect(violations).toEqual([]);

    // And the check can fail: an injected inline script is blocked and reported.
    await page.evaluate("const s = document.createElement('script'); s.textContent = 'window.injected = true'; document.body.append(s)");
    await expect.poll(async () => (await page.evaluate('window.cspViolations')) as string[]).toEqual([expect.stringMatching(/^script-src/)]);
    expect(await page.evaluate('window.injected === true')).toBe(false);
  });
});
