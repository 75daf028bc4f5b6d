import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FLOAT32_TEXT, formatFloat32, writeFloat32 } from '../../src/embeddings';

const bitsView = new Uint32Array(1);
const floatView = new Float32Array(bitsView.buffer);

function fromBits(bits: number): number {
  bitsView[0] = bits;
  return floatView[0];
}

const out = Buffer.alloc(64);

/** writeFloat32's bytes at an offset, as text (the CSV writer's path). */
function bytesOf(value: number): string {
  out.fill(0);
  const end = writeFloat32(value, out, 3);
  expect(end - 3).toBeLessThanOrEqual(MAX_FLOAT32_TEXT);
  return out.toString('latin1', 3, end);
}

describe('formatFloat32 / writeFloat32', () => {
  it('writes the examples of the lightly CSV the way numpy does', () => {
    expect(formatFloat32(0.1)).toBe('0.1');
    expect(formatFloat32(3)).toBe('3.0');
    expect(formatFloat32(-2.5e-7)).toBe('-2.5e-07');
    expect(formatFloat32(123456789)).toBe('1.2345679e+08');
    expect(formatFloat32(1e20)).toBe('1e+20');
    expect(formatFloat32(-0)).toBe('-0.0');
    expect(formatFloat32(0)).toBe('0.0');
  });

  it('switches to scientific notation at numpy float32 cutoffs 1e-4 and 1e6', () => {
    // float32(1e-4) is slightly below 1e-4, so numpy prints it in scientific notation.
    expect(formatFloat32(1e-4)).toBe('1e-04');
    expect(formatFloat32(0.00011)).toBe('0.00011');
    expect(formatFloat32(999999.94)).toBe('999999.94');
    expect(formatFloat32(1e6)).toBe('1e+06');
    expect(formatFloat32(100000)).toBe('100000.0');
  });

  it('prints non-finite values as numpy does (the reader rejects them)', () => {
    expect(formatFloat32(Number.NaN)).toBe('nan');
    expect(formatFloat32(Infinity)).toBe('inf');
    expect(formatFloat32(-Infinity)).toBe('-inf');
    expect(formatFloat32(1e39)).toBe('inf');
    expect([bytesOf(Number.NaN), bytesOf(-Infinity), bytesOf(-0), bytesOf(0)]).toEqual(['nan', '-inf', '-0.0', '0.0']);
  });

  it('matches str(numpy.float32(x)) from numpy 2.4.6 on 7,578 values (random bits, embeddings, powers of 2 and 10)', () => {
    const lines = readFileSync(path.join(__dirname, 'fixtures', 'numpy-float32-str.txt'), 'utf8').split('\n');
    let checked = 0;
    for (const line of lines) {
      if (line === '' || line.startsWith('#')) continue;
      const [bits, expected] = line.split(' ');
      const value = fromBits(parseInt(bits, 16));
      expect([bits, formatFloat32(value)]).toEqual([bits, expected]);
      expect([bits, bytesOf(value)]).toEqual([bits, expected]);
      checked++;
    }
    expect(checked).toBe(7578);
  });

  it('always round-trips to the same float32 and never uses more than 9 significant digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const value = fromBits(bits);
        if (!Number.isFinite(value)) return;
        const text = formatFloat32(value);
        expect(bytesOf(value)).toBe(text);
        expect(Object.is(Math.fround(Number(text)), value)).toBe(true);
        expect(text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
      }),
      { numRuns: 20000 },
    );
  });
});
