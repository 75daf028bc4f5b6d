import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { winnowCli } from '../winnow-cli';
import { FIXTURES, tempDir, writeText } from './helpers';

const ROOT = path.join(__dirname, '..', '..');
const dir = tempDir('winnow-embeddings-cli-');

const winnow = (...args: string[]) => winnowCli(args);

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'commands', 'embeddings.js'))) {
    throw new Error('dist/ has no embeddings command: run `npm run build` before the CLI tests');
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('winnow embeddings (built binary)', () => {
  it('validate prints rows and dimensions', async () => {
    const file = path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv');
    expect(await winnow('embeddings', 'validate', file)).toEqual({ code: 0, stdout: `${file}: valid, 1000 rows, 32 dimensions\n`, stderr: '' });
    const json = await winnow('embeddings', 'validate', file, '--json');
    expect(JSON.parse(json.stdout)).toEqual({ file, rows: 1000, dim: 32, canonical: true });
  });

  it('validate exits 1 with the located error', async () => {
    const bad = writeText(dir, 'bad.csv', 'filenames,embedding_0,labels\r\na.jpg,nan,0\r\n');
    expect(await winnow('embeddings', 'validate', bad)).toEqual({
      code: 1,
      stdout: '',
      stderr: `winnow: ${bad}:2 (column "embedding_0"): value "nan" is not a finite number\n`,
    });
    const missing = path.join(dir, 'missing.csv');
    expect((await winnow('embeddings', 'validate', missing)).stderr).toBe(`winnow: embeddings file "${missing}" not found\n`);
  });

  it('validate mentions ignored extra columns', async () => {
    const masked = writeText(dir, 'masked.csv', 'filenames,embedding_0,masked,labels\r\na.jpg,1,0,0\r\n');
    const result = await winnow('embeddings', 'validate', masked);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${masked}: valid, 1 rows, 1 dimensions\nnote: extra columns`);
  });

  it('merge writes the newest row per file name; one input is a byte-identical canonical rewrite of the fixture', async () => {
    const a = writeText(dir, 'a.csv', 'filenames,embedding_0,labels\r\nx.jpg,1,0\r\ny.jpg,2,0\r\n');
    const b = writeText(dir, 'b.csv', 'filenames,embedding_0,labels\r\ny.jpg,3,1\r\n');
    const out = path.join(dir, 'merged.csv');
    expect(await winnow('embeddings', 'merge', a, b, '--out', out)).toEqual({
      code: 0,
      stdout: `${out}: 2 rows, 1 dimensions, 1 rows replaced by later files\n`,
      stderr: '',
    });
    expect(readFileSync(out, 'utf8')).toBe('filenames,embedding_0,labels\r\nx.jpg,1.0,0\r\ny.jpg,3.0,1\r\n');
    const fixture = path.join(FIXTURES, 'lightly', 'embeddings_small.csv');
    const copy = path.join(dir, 'copy.csv');
    expect((await winnow('embeddings', 'merge', fixture, '--out', copy)).code).toBe(0);
    expect(readFileSync(copy).equals(readFileSync(fixture))).toBe(true);
  });

  it('merge without --out is a usage error (exit 2)', async () => {
    const result = await winnow('embeddings', 'merge', path.join(FIXTURES, 'lightly', 'embeddings_small.csv'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--out <file>' not specified");
  });

  it('whiten writes the kept components with a whitened model record; a bad --shrinkage is a usage error (exit 2)', async () => {
    const file = path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv');
    const out = path.join(dir, 'whitened.csv');
    const result = await winnow('embeddings', 'whiten', file, '--out', out, '--components', '8', '--shrinkage', '3', '--json');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { rows: number; dim: number; components: number; shrinkage: number; model: string };
    expect(printed).toMatchObject({ file, out, rows: 1000, dim: 32, components: 8, shrinkage: 3 });
    expect(printed.model).toMatch(/^unrecorded\+whiten\(k=8,s=3,fit=[0-9a-f]{8}\)$/);
    expect(JSON.parse(readFileSync(`${out}.model.json`, 'utf8'))).toEqual({ model: printed.model, dim: 8 });
    expect(await winnow('embeddings', 'validate', out)).toEqual({ code: 0, stdout: `${out}: valid, 1000 rows, 8 dimensions\n`, stderr: '' });

    const bad = await winnow('embeddings', 'whiten', file, '--out', path.join(dir, 'never.csv'), '--shrinkage', '-1');
    expect(bad).toEqual({ code: 2, stdout: '', stderr: 'winnow: --shrinkage must be a number ≥ 0, got "-1"\n' });
    expect(existsSync(path.join(dir, 'never.csv'))).toBe(false);
  });
});
