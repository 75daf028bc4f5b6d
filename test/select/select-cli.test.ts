import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../fixture-files';

const root = path.resolve(__dirname, '..', '..');
const fixture = path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv');
const metadataFixture = path.join(FIXTURES, 'lightly', 'custom_metadata.json');
const run = promisify(execFile);

function winnow(args: string[]) {
  return run(process.execPath, [path.join(root, 'bin', 'winnow.js'), ...args], { cwd: root }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

beforeAll(() => {
  // The test drives the built binary; rebuild when a source file of the command is newer than its output.
  const built = path.join(root, 'dist', 'src', 'cli', 'commands', 'select.js');
  const sources = [path.join(root, 'src', 'cli', 'commands', 'select.ts'), path.join(root, 'src', 'cli', 'main.ts')];
  for (const dir of ['src/select', 'src/select/kernels']) {
    for (const f of readdirSync(path.join(root, dir))) if (f.endsWith('.ts')) sources.push(path.join(root, dir, f));
  }
  const stale = (() => {
    try {
      const t = statSync(built).mtimeMs;
      return sources.some((s) => statSync(s).mtimeMs > t);
    } catch {
      return true;
    }
  })();
  if (stale) {
    try {
      execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
    } catch {
      // Type errors elsewhere in the tree do not stop tsc from emitting; the command's output is checked below.
    }
  }
}, 180_000);

describe('winnow select', () => {
  it('selects a coreset from the Lightly fixture and writes {selected, ranking}', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'winnow-select-'));
    const out = path.join(dir, 'selection.json');
    const { code, stdout, stderr } = await winnow(['select', '--embeddings', fixture, '--n', '25', '--strategy', 'coreset', '--seed', '7', '--out', out]);
    // Off a terminal the shared progress display prints one line when the ranking is done, nothing else.
    expect(stderr).toMatch(/^select: 1000\/1000 picks \([\d.]+\/s\)\n$/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^selected 25 of 1000 candidates \(stopped by n\)\ncovering radius \d\.\d{4}/);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.selected).toHaveLength(25);
    expect(result.ranking).toHaveLength(1000);
    expect(result.ranking.slice(0, 25).map((r: { fileName: string }) => r.fileName)).toEqual(result.selected);
    expect(result.ranking[1].reason.distance).toBeGreaterThan(result.ranking[24].reason.distance);
    expect(result.ranking[3]).toMatchObject({ fileName: expect.stringMatching(/^images\/\d{5}\.jpg$/), score: expect.any(Number), reason: { strategies: { DIVERSITY: expect.any(Number) } } });
    // Same seed, same output.
    const again = path.join(dir, 'again.json');
    await winnow(['select', '--embeddings', fixture, '--n', '25', '--strategy', 'coreset', '--seed', '7', '--out', again]);
    expect(JSON.parse(readFileSync(again, 'utf8')).selected).toEqual(result.selected);
    // Without --strategy: the default, coverage first — each pick says how many samples it newly covered.
    const byDefault = path.join(dir, 'default.json');
    expect((await winnow(['select', '--embeddings', fixture, '--n', '25', '--out', byDefault])).code).toBe(0);
    const defaults = JSON.parse(readFileSync(byDefault, 'utf8'));
    expect(defaults.selected).toHaveLength(25);
    expect(defaults.ranking[0].reason.covered).toBeGreaterThan(defaults.ranking[24].reason.covered);
  });

  it('reads a Lightly-style config file and lets --n override it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'winnow-select-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ n: 500, seed: 1, strategies: [{ input: { type: 'RANDOM' }, strategy: { type: 'RANDOM' } }] }));
    const out = path.join(dir, 'out.json');
    const { code } = await winnow(['select', '--embeddings', fixture, '--config', config, '--n', '10', '--out', out]);
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).selected).toHaveLength(10);
  });

  it('fails with a clear message and exit code', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'winnow-select-'));
    const out = path.join(dir, 'out.json');
    const tooMany = await winnow(['select', '--embeddings', fixture, '--n', '5000', '--out', out]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toBe('winnow: n: asked for 5000 samples but only 1000 candidates are left after preselection and thresholds\n');
    const badStrategy = await winnow(['select', '--embeddings', fixture, '--n', '5', '--strategy', 'kmeans', '--out', out]);
    expect(badStrategy.code).toBe(2);
    expect(badStrategy.stderr).toMatch(/^winnow: options: strategy: unknown strategy "kmeans" \(expected one of coverage-diversity, coverage, typicality, coreset, diversity, random/);
    const badN = await winnow(['select', '--embeddings', fixture, '--n', 'ten', '--out', out]);
    expect(badN.code).toBe(2);
    // The fixture metadata names image0.jpg…, which this CSV does not have: the key is in no candidate's metadata.
    const noKey = await winnow(['select', '--embeddings', fixture, '--n', '5', '--strategy', 'weights', '--key', 'weather.temperature', '--metadata', metadataFixture, '--out', out]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/"weather\.temperature" is in no sample's metadata/);
  });

  it('exits 2 naming the field for out-of-range strengths, widths and neighbour counts of the new strategies', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'winnow-select-'));
    const out = path.join(dir, 'out.json');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ type: 'COVERAGE', kernelWidth: 5 }, /strategies\[0\]\.strategy\.kernelWidth/],
      [{ type: 'COVERAGE', strength: 0 }, /strategies\[0\]\.strategy\.strength: COVERAGE needs a positive strength/],
      [{ type: 'TYPICALITY', neighbours: 0 }, /strategies\[0\]\.strategy\.neighbours/],
      [{ type: 'COVERAGE', handOverCoverage: 1.5 }, /strategies\[0\]\.strategy\.handOverCoverage/],
      [{ type: 'TYPICALITY', strength: 'high' }, /strategies\[0\]\.strategy\.strength/],
    ];
    for (const [strategy, field] of cases) {
      const config = path.join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ n: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy }] }));
      const result = await winnow(['select', '--embeddings', fixture, '--config', config, '--out', out]);
      expect(result.code, JSON.stringify(strategy)).toBe(2);
      expect(result.stderr).toMatch(field);
    }
    const tooMany = await winnow(['select', '--embeddings', fixture, '--n', '1001', '--strategy', 'typicality', '--out', out]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/^winnow: n: asked for 1001 samples but only 1000 candidates/);
  });
});
