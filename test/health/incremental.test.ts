import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmbeddingMatrix } from '../../src/embeddings/matrix';
import { HealthIndex } from '../../src/health/incremental';
import type { ImageMeasures } from '../../src/health/measures';

const DIM = 32;

function unit(seed: number): Float32Array {
  let x = seed * 7919 + 13;
  const v = new Float32Array(DIM);
  for (let d = 0; d < DIM; d++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    v[d] = x / 2147483648 - 0.5;
  }
  const norm = Math.hypot(...v);
  return v.map((a) => a / norm);
}

function matrix(rows: Array<[string, Float32Array]>): EmbeddingMatrix {
  const data = new Float32Array(rows.length * DIM);
  rows.forEach(([, v], i) => data.set(v, i * DIM));
  return { fileNames: rows.map(([f]) => f), labels: new Int32Array(rows.length), dim: DIM, data };
}

const m = (fileName: string, sha256: string, dHash = '00ff00ff00ff00ff'): ImageMeasures => ({ fileName, sha256, pixelHash: '', dHash }) as ImageMeasures;

describe('HealthIndex', () => {
  it('checks a new batch against the saved index without rebuilding it, and adds only new images', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'winnow-index-')), 'photos.usearch');
    const first = await HealthIndex.open(file, DIM);
    const old = Array.from({ length: 50 }, (_, i): [string, Float32Array] => [`old/${i}.jpg`, unit(i)]);
    const r1 = await first.checkAndAdd(matrix(old), new Map(old.map(([f], i) => [f, m(f, `sha${i}`, i.toString(16).padStart(16, '0'))])));
    expect(r1).toMatchObject({ indexed: 50, added: 50, known: 0, duplicates: [] });
    await first.save();

    const reopened = await HealthIndex.open(file, DIM);
    expect(reopened.size).toBe(50);
    const near = unit(7).map((a, d) => a + (d === 0 ? 0.05 : 0));
    const batch: Array<[string, Float32Array]> = [
      ['new/copy-of-3.jpg', unit(3)],
      ['new/near-7.jpg', near],
      ['new/fresh.jpg', unit(1000)],
      ['old/5.jpg', unit(5)],
    ];
    const measures = new Map<string, ImageMeasures>([
      ['new/copy-of-3.jpg', m('new/copy-of-3.jpg', 'sha3')],
      ['new/near-7.jpg', m('new/near-7.jpg', 'other', (7).toString(16).padStart(16, '0'))],
      ['new/fresh.jpg', m('new/fresh.jpg', 'fresh')],
    ]);
    const r2 = await reopened.checkAndAdd(matrix(batch), measures);
    expect(r2).toMatchObject({ indexed: 53, added: 3, known: 1 });
    expect(r2.duplicates).toEqual([
      { fileName: 'new/copy-of-3.jpg', kind: 'exact', of: 'old/3.jpg', similarity: 1, existing: true },
      { fileName: 'new/near-7.jpg', kind: 'near', of: 'old/7.jpg', similarity: expect.any(Number), existing: true },
    ]);
    await reopened.save();
    expect((await HealthIndex.open(file, DIM)).size).toBe(53);
    await expect(HealthIndex.open(file, DIM + 1)).rejects.toThrow(/holds 32-dimensional embeddings, the batch has 33/);
  });
});
