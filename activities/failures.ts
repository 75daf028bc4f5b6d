import { ApplicationFailure } from '@temporalio/common';
import { CancelledFailure } from '@temporalio/activity';
import { WinnowError } from '../src/errors';

/**
 * Translates engine errors into Temporal failures, once, at the activity boundary (style rule 7):
 * a `WinnowError` with `retryable: false` (bad input, unknown dataset, wrong dimensions: the default of its code in
 * `ERROR_CODES`, src/errors.ts) becomes a non-retryable
 * `ApplicationFailure` whose `type` is the error's `code`, so the workflow fails fast with the engine's message;
 * retryable ones (S3 5xx, connection reset) stay retryable under the activity's retry policy.
 * Errors that are not ours (a socket reset thrown by a client library) are left as they are: Temporal retries them.
 */
export function toApplicationFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure || error instanceof CancelledFailure) return error;
  if (error instanceof WinnowError) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.code,
      nonRetryable: !error.retryable,
      cause: error.cause instanceof Error ? error.cause : undefined,
    });
  }
  return error;
}

/** Wraps an activity so every engine error leaves it translated by `toApplicationFailure`. */
export function withFailureMapping<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const wrapped = async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (error) {
      throw toApplicationFailure(error);
    }
  };
  // Temporal registers activities by property name, but stack traces and logs read better with the real one.
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}
