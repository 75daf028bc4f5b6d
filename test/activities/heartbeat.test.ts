import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { activitySignal, Heartbeater, resumeCursor } from '../../activities/heartbeat';

describe('Heartbeater', () => {
  it('sends progress and cursor together, so progress never drops the cursor', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await env.run(async () => {
      const hb = new Heartbeater<string>();
      hb.checkpoint('cats/001.jpg');
      hb.onProgress({ done: 10, total: 100 });
      hb.checkpoint('cats/002.jpg');
    });
    expect(beats).toEqual([
      { cursor: 'cats/001.jpg' },
      { cursor: 'cats/001.jpg', progress: { done: 10, total: 100 } },
      { cursor: 'cats/002.jpg', progress: { done: 10, total: 100 } },
    ]);
  });

  it('a retried attempt reads the last cursor of the previous one', async () => {
    const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { cursor: 'cats/042.jpg', progress: { done: 42 } } });
    expect(await retry.run(async () => resumeCursor<string>())).toBe('cats/042.jpg');
    expect(await new MockActivityEnvironment().run(async () => resumeCursor<string>())).toBeUndefined();
  });

  it('exposes cancellation as an AbortSignal for the engine', async () => {
    const env = new MockActivityEnvironment();
    const run = env.run(async () => {
      const signal = activitySignal();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      throw new CancelledFailure('cancelled while embedding');
    });
    env.cancel('CANCELLED');
    await expect(run).rejects.toBeInstanceOf(CancelledFailure);
  });
});
