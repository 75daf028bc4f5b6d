import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT, SHOTS } from './web-harness';

/** Checks a browser suite makes on every page: axe-core (no serious or critical violation) and a screenshot. */

// Browser globals used inside page.evaluate; the test program has no DOM lib.
declare const document: unknown;
declare const window: { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } };
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

const DOCS_SHOTS = path.join(ROOT, 'docs', 'screenshots');

/**
 * A browser context with axe-core injected into every page. axe is injected as a script; the app's CSP (script-src
 * 'self') rightly refuses inline scripts, so this context bypasses CSP for the checker only — the app never needs it.
 */
export async function axeContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, bypassCSP: true });
  await context.addInitScript({ content: await readFile(require.resolve('axe-core/axe.min.js'), 'utf8') });
  return context;
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(target: Page, what: string): Promise<void> {
  const { violations } = await target.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/**
 * Photographs the page into test-results/web/; into docs/screenshots/ too only when WINNOW_SCREENSHOTS=1, so a test
 * run (CI's included) leaves the tracked screenshots alone.
 */
// Thumbnails load a few at a time (virtual-grid's image slots): a shot waits until every image on the page has
// loaded and no new one has started for a moment, so it shows the page a curator sees, not the first few tiles.
async function settleImages(target: Page): Promise<void> {
  let seen = -1;
  for (let round = 0; round < 60; round++) {
    const complete = await target.locator('img').evaluateAll((images) => images.map((image) => (image as unknown as { complete: boolean }).complete));
    const count = complete.length;
    const pending = complete.filter((done) => !done).length;
    if (pending === 0 && count === seen) return;
    seen = count;
    await target.waitForTimeout(250);
  }
}

export async function docShot(target: Page, name: string): Promise<void> {
  const file = path.join(SHOTS, `${name}.png`);
  await settleImages(target);
  await target.screenshot({ path: file });
  if (process.env.WINNOW_SCREENSHOTS !== '1') return;
  await mkdir(DOCS_SHOTS, { recursive: true });
  await copyFile(file, path.join(DOCS_SHOTS, `${name}.png`));
}
