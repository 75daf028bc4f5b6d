import { InvalidConfigError } from '../errors';

/**
 * Runs `work` over a stream of items with at most `concurrency` in flight. The source is pulled only when a slot is
 * free, so a listing of millions of keys never runs ahead of the transfers (backpressure). The first error from
 * `work` stops the intake; the ones in flight are awaited before it is rethrown, so no transfer outlives the call.
 */
export async function runPool<T>(
  items: AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new InvalidConfigError(`concurrency must be an integer from 1 to 256, got ${concurrency}`);
  }
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    for await (const item of items) {
      if (failure || signal?.aborted) break;
      const task: Promise<void> = work(item).then(
        () => void running.delete(task),
        (error: unknown) => {
          running.delete(task);
          failure ??= { error };
        },
      );
      running.add(task);
      if (running.size >= concurrency) await Promise.race(running);
    }
  } finally {
    await Promise.all(running);
  }
  if (failure) throw failure.error;
  signal?.throwIfAborted();
}

/**
 * Tracks the continuation marker of a listing processed out of order: the last key such that it and every key
 * before it are done. A failed key freezes the marker (a resume must try it again) and stops the tracking, so the
 * queue never grows past the keys in flight.
 */
export class CompletionMarker {
  #marker: string | undefined;
  #queue: Array<{ key: string; state: 'busy' | 'done' | 'failed' }> = [];
  #frozen = false;

  constructor(startAfter?: string) {
    this.#marker = startAfter || undefined;
  }

  get marker(): string | undefined {
    return this.#marker;
  }

  /** Registers a key in listing order; returns the handle to settle it with. */
  start(key: string): (ok: boolean) => boolean {
    if (this.#frozen) return () => false;
    const entry: { key: string; state: 'busy' | 'done' | 'failed' } = { key, state: 'busy' };
    this.#queue.push(entry);
    return (ok) => {
      entry.state = ok ? 'done' : 'failed';
      return this.#advance();
    };
  }

  /** Moves the marker over finished keys; true when it moved. */
  #advance(): boolean {
    let moved = false;
    while (this.#queue.length > 0 && !this.#frozen) {
      const head = this.#queue[0];
      if (head.state === 'busy') break;
      if (head.state === 'failed') {
        this.#frozen = true;
        this.#queue = [];
        break;
      }
      this.#marker = head.key;
      this.#queue.shift();
      moved = true;
    }
    return moved;
  }
}
