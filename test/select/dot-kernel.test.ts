import { describe, expect, it } from 'vitest';
import { JsDotKernel } from '../../src/select/kernels/js-dot-kernel';
import { OrtDotKernel } from '../../src/select/kernels/ort-dot-kernel';
import { parseSelectionConfig, selectSamples } from '../../src/select';
import { SeededRandom } from '../../src/select/random';

function randomMatrix(rows: number, dim: number, seed: number): Float32Array {
  const r = new SeededRandom(seed);
  return Float32Array.from({ length: rows * dim }, () => r.nextOpenUnit() - 0.5);
}

describe('onnxruntime kernel', () => {
  it('computes the same products as the JS kernel on row ranges (views, not copies)', async () => {
    const dim = 24;
    const m = randomMatrix(300, dim, 1);
    const v = randomMatrix(1, dim, 2);
    const q = randomMatrix(5, dim, 3);
    const p = randomMatrix(dim, 4, 4);
    const js = new JsDotKernel();
    const ort = await OrtDotKernel.create(2);
    try {
      const close = (a: Float32Array, b: Float32Array) => {
        expect(a.length).toBe(b.length);
        for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 4);
      };
      close(await ort.matVec(m, dim, 17, 250, v), await js.matVec(m, dim, 17, 250, v));
      close(await ort.sumSquares(m, dim, 3, 300), await js.sumSquares(m, dim, 3, 300));
      close(await ort.project(m, dim, 0, 300, p, 4), await js.project(m, dim, 0, 300, p, 4));
      const a = await ort.maxDot(m, dim, 10, 300, q, 5);
      const b = await js.maxDot(m, dim, 10, 300, q, 5);
      close(a.max, b.max);
      expect([...a.argmax]).toEqual([...b.argmax]);
    } finally {
      await ort.dispose();
    }
  });

  it('gives the same selection as the JS kernel', async () => {
    const dim = 16;
    const rows = 500;
    const embeddings = { fileNames: Array.from({ length: rows }, (_, i) => `r${i}`), labels: new Int32Array(rows), dim, data: randomMatrix(rows, dim, 9) };
    const config = parseSelectionConfig({ n: 40, strategy: 'coreset', seed: 5 });
    const js = await selectSamples({ embeddings, config, kernel: 'js', preselected: ['r7', 'r99'] });
    const ort = await selectSamples({ embeddings, config, kernel: 'onnxruntime', preselected: ['r7', 'r99'] });
    expect(ort.stats.kernel).toBe('onnxruntime');
    expect(ort.selected).toEqual(js.selected);
    expect(ort.coveringRadius).toBeCloseTo(js.coveringRadius!, 5);
  });
});
