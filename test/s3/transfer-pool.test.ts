import { describe, expect, it } from 'vitest';
import { CompletionMarker, runPool } from '../../src/s3/transfer-pool';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runPool', () => {
  it('keeps at most `concurrency` in flight and pulls the source only when a slot frees', async () => {
    let pulled = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let maxAhead = 0;
    let finished = 0;
    async function* source() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - finished);
        yield i;
      }
    }
    await runPool(source(), 4, async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(Math.random() * 3);
      inFlight--;
      finished++;
    });
    expect(finished).toBe(100);
    expect(maxInFlight).toBe(4);
    expect(maxAhead).toBeLessThanOrEqual(5);
  });

  it('stops the intake on the first error and waits for the tasks in flight', async () => {
    let settled = 0;
    let started = 0;
    async function* source() {
      for (let i = 0; i < 1000; i++) yield i;
    }
    await expect(
      runPool(source(), 3, async (i) => {
        started++;
        await sleep(5);
        settled++;
        if (i === 10) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(settled).toBe(started);
    expect(started).toBeLessThan(20);
  });

  it('refuses nonsense concurrency', async () => {
    await expect(runPool((async function* () {})(), 0, async () => undefined)).rejects.toThrow(/concurrency/);
  });
});

describe('CompletionMarker', () => {
  it('advances only over a done prefix of the listing order', () => {
    const m = new CompletionMarker('a');
    const b = m.start('b');
    const c = m.start('c');
    const d = m.start('d');
    expect(c(true)).toBe(false);
    expect(m.marker).toBe('a');
    expect(b(true)).toBe(true);
    expect(m.marker).toBe('c');
    d(true);
    expect(m.marker).toBe('d');
  });

  it('freezes before a failed key so a resume retries it', () => {
    const m = new CompletionMarker();
    const a = m.start('a');
    const b = m.start('b');
    const c = m.start('c');
    a(true);
    b(false);
    c(true);
    m.start('d')(true);
    expect(m.marker).toBe('a');
  });
});
