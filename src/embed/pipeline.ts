/**
 * Runs `task` over `items` with at most `window` tasks in flight and yields the results in input order.
 *
 * This is the bounded queue between decoding and inference: sharp decodes on libuv's thread pool while the consumer
 * runs the model, and a new decode starts only when the consumer takes a result, so memory stays at `window` decoded
 * images however many files there are (backpressure). `task` must not reject; failures are values.
 *
 * On abort no new task starts; the ones in flight are awaited so no decode outlives the call, then the signal's
 * reason is thrown.
 *
 * @example
 * for await (const outcome of mapOrdered(files, 16, (f) => decodeImage(dir + f, f, opts))) use(outcome);
 */
export async function* mapOrdered<T, R>(
  items: readonly T[],
  window: number,
  task: (item: T) => Promise<R>,
  signal?: AbortSignal,
): AsyncGenerator<R> {
  const inflight: Array<Promise<R>> = [];
  let next = 0;
  const fill = () => {
    while (next < items.length && inflight.length < window && !signal?.aborted) inflight.push(task(items[next++]));
  };
  try {
    fill();
    while (inflight.length > 0) {
      const result = await (inflight.shift() as Promise<R>);
      signal?.throwIfAborted();
      fill();
      yield result;
    }
    signal?.throwIfAborted();
  } finally {
    // Runs on normal end, on abort and when the consumer stops early (return/throw from its for-await).
    await Promise.allSettled(inflight);
  }
}
