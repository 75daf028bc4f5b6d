/** How often and how patiently to retry: exponential backoff with jitter; the defaults ride out a restart of ~10 s. */
export interface RetryOptions {
  /** Tries in all, including the first (default 7). */
  attempts?: number;
  /** First backoff in ms (default 250); doubles each time. */
  baseDelayMs?: number;
  /** Longest single backoff in ms (default 8000). */
  maxDelayMs?: number;
  /** Stops the waiting and the retrying: the signal's reason is thrown. */
  signal?: AbortSignal;
}

/**
 * The backoff before retry number `retry` (0-based): half fixed, half random ("equal jitter"), so a burst of failing
 * workers spreads out but every retry still waits long enough for a restarting server.
 */
export function backoffDelayMs(retry: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 8_000;
  const ceiling = Math.min(cap, base * 2 ** retry);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * THE retry loop (S3 calls, platform HTTP calls): runs `call(attempt)` (1-based) until it succeeds, retrying the
 * errors `isRetryable` accepts with `backoffDelayMs` between tries. Other errors, and the last retryable one, are
 * rethrown as they are; an abort throws the signal's reason.
 */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 7);
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await call(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await sleep(backoffDelayMs(attempt - 1, options), options.signal);
    }
  }
}
