import { describe, expect, it } from 'vitest';
import { mapOrdered } from '../../src/embed/pipeline';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapOrdered', () => {
  it('yields in input order while tasks finish out of order, never more than `window` in flight', async () => {
    let inflight = 0;
    let peak = 0;
    const task = async (n: number) => {
      inflight++;
      peak = Math.max(peak, inflight);
      await sleep((n * 7) % 5);
      inflight--;
      return n * 2;
    };
    const out: number[] = [];
    for await (const v of mapOrdered([...Array(40).keys()], 4, task)) out.push(v);
    expect(out).toEqual([...Array(40).keys()].map((n) => n * 2));
    expect(peak).toBe(4);
  });

  it('applies backpressure: a slow consumer keeps the producer within the window', async () => {
    let started = 0;
    const gen = mapOrdered([...Array(100).keys()], 3, async (n) => {
      started++;
      return n;
    });
    await gen.next();
    await sleep(10);
    expect(started).toBeLessThanOrEqual(4);
    await gen.return(undefined);
  });

  it('stops on abort, waits for tasks in flight and throws the reason', async () => {
    const controller = new AbortController();
    let finished = 0;
    const task = async (n: number) => {
      await sleep(2);
      finished++;
      return n;
    };
    const seen: number[] = [];
    const run = (async () => {
      for await (const v of mapOrdered([...Array(50).keys()], 5, task, controller.signal)) {
        seen.push(v);
        if (v === 9) controller.abort(new Error('stop'));
      }
    })();
    await expect(run).rejects.toThrow('stop');
    expect(seen.length).toBe(10);
    const after = finished;
    await sleep(20);
    expect(finished).toBe(after); // nothing still running after the rejection
    expect(finished).toBeLessThan(20);
  });
});
