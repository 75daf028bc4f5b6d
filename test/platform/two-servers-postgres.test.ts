import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, type PlatformClient } from '../../src/platform';
import { createApiToken } from '../../src/platform/service/tokens';
import { openStore } from '../../src/platform/store/store';
import { TagBitset } from '../../src/tags';

/**
 * Two `winnow serve` processes on one PostgreSQL database, as docker-compose runs the platform scaled out:
 * concurrent writers through both must not lose samples, give two samples one position, or corrupt tags.
 */
const root = path.join(__dirname, '..', '..');
const baseUrl = process.env.WINNOW_TEST_POSTGRES_URL;

function startServer(databaseUrl: string, home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'winnow.js'), 'serve', '--port', '0', '--home', home, '--database-url', databaseUrl], { cwd: root });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`winnow serve exited ${code}: ${out}`)));
  });
}

describe('two platform processes on one PostgreSQL database', () => {
  let database: string;
  let servers: Array<{ child: ChildProcess; url: string }> = [];
  let clients: PlatformClient[];

  beforeAll(async () => {
    expect(baseUrl, 'WINNOW_TEST_POSTGRES_URL comes from scripts/services.sh (vitest global setup)').toBeTruthy();
    database = `winnow_two_${randomBytes(4).toString('hex')}`;
    const admin = new Pool({ connectionString: baseUrl, max: 1 });
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(baseUrl!);
    url.pathname = `/${database}`;
    const databaseUrl = url.toString();
    const home = mkdtempSync(path.join(os.tmpdir(), 'winnow-two-'));
    // Migrate once, and make the token both servers accept.
    const store = await openStore({ home, databaseUrl });
    const { token } = await createApiToken(store, { name: 'two-servers' });
    await store.close();
    servers = await Promise.all([startServer(databaseUrl, path.join(home, 'a')), startServer(databaseUrl, path.join(home, 'b'))]);
    clients = servers.map((s) => createHttpClient({ baseUrl: s.url, token }));
  });

  afterAll(async () => {
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))));
    const admin = new Pool({ connectionString: baseUrl, max: 1 });
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('keeps every sample once, at one contiguous position each, under racing batch writers', async () => {
    const [a, b] = clients;
    const dataset = await a.createDataset('raced');
    const shared = Array.from({ length: 300 }, (_, i) => ({ fileName: `shared/${String(i).padStart(4, '0')}.jpg` }));
    const writers = Array.from({ length: 6 }, (_, w) => {
      const own = Array.from({ length: 100 }, (_, i) => ({ fileName: `own${w}/${i}.jpg` }));
      // Each writer sends the shared files too, in its own order, to the server of its parity.
      const mixed = w % 2 ? [...shared].reverse().concat(own) : own.concat(shared);
      return (w % 2 ? b : a).createSamples(dataset.id, mixed);
    });
    await Promise.all(writers);
    const names = await b.getFilenames(dataset.id);
    expect(names).toHaveLength(300 + 6 * 100);
    expect(new Set(names).size).toBe(names.length);
    const positions: number[] = [];
    for await (const sample of a.iterateSamples(dataset.id)) positions.push(sample.index);
    expect(positions.sort((x, y) => x - y)).toEqual(Array.from({ length: 900 }, (_, i) => i));
    const initial = await a.getTagByName(dataset.id, 'initial-tag');
    expect(TagBitset.fromHex(initial.bitMaskData).count()).toBe(900);
  });

  it('creates racing tags with unique names and valid bitmasks', async () => {
    const [a, b] = clients;
    const dataset = await a.createDataset('tags-raced');
    await a.createSamples(dataset.id, Array.from({ length: 200 }, (_, i) => ({ fileName: `${i}.jpg` })));
    const names = await a.getFilenames(dataset.id);
    const attempts = Array.from({ length: 12 }, (_, t) => {
      const client = t % 2 ? b : a;
      const pick = names.filter((_, i) => i % (t + 2) === 0);
      // Half the attempts race for the same name: exactly one may win.
      return client.createTagFromFilenames(dataset.id, t < 6 ? 'contested' : `tag-${t}`, pick).then(
        (tag) => ({ ok: true as const, tag }),
        (error: Error) => ({ ok: false as const, error }),
      );
    });
    const results = await Promise.all(attempts);
    const contested = results.slice(0, 6);
    expect(contested.filter((r) => r.ok)).toHaveLength(1);
    for (const r of contested.filter((r) => !r.ok)) expect((r as { error: Error }).error.message).toMatch(/contested/);
    expect(results.slice(6).every((r) => r.ok)).toBe(true);
    const tags = await b.getAllTags(dataset.id);
    expect(new Set(tags.map((t) => t.name)).size).toBe(tags.length);
    for (const tag of tags) {
      const bits = TagBitset.fromHex(tag.bitMaskData);
      expect(Math.max(-1, ...bits.indices())).toBeLessThan(200);
    }
    const six = tags.find((t) => t.name === 'tag-6')!;
    expect(await a.exportFilenamesByTagId(dataset.id, six.id)).toEqual(names.filter((_, i) => i % 8 === 0));
  });
});
