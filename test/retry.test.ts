import { describe, expect, it } from 'vitest';
import { backoffDelayMs, withRetry } from '../src/retry';

const fast = { baseDelayMs: 1, maxDelayMs: 2 };

describe('withRetry (the one retry loop: S3 and platform HTTP calls)', () => {
  it('retries what the predicate accepts, numbering attempts from 1, until the call succeeds', async () => {
    const seen: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw new Error('reset');
        return 'ok';
      },
      () => true,
      fast,
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('rethrows a refused error at once and the last retryable one after `attempts` tries', async () => {
    let calls = 0;
    const refused = new Error('denied');
    await expect(withRetry(async () => (calls++, Promise.reject(refused)), () => false, fast)).rejects.toBe(refused);
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRetry(async () => (calls++, Promise.reject(new Error(`try ${calls}`))), () => true, { ...fast, attempts: 4 })).rejects.toThrow('try 4');
    expect(calls).toBe(4);
  });

  it('stops waiting when aborted, with the signal\'s reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const running = withRetry(
      async () => {
        setTimeout(() => controller.abort(reason), 5);
        throw new Error('busy');
      },
      () => true,
      { baseDelayMs: 60_000, signal: controller.signal },
    );
    await expect(running).rejects.toBe(reason);
  });

  it('backs off exponentially with equal jitter, capped', () => {
    for (let retry = 0; retry < 8; retry++) {
      const ceiling = Math.min(8000, 250 * 2 ** retry);
      const delay = backoffDelayMs(retry);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });
});
