import { Context } from '@temporalio/activity';
import type { Progress } from '../src/progress';

/**
 * Heartbeat details every long activity sends: the engine's progress plus a resume cursor. On a retry Temporal hands
 * the *last* details to the next attempt, so the cursor must be enough to continue where the crashed attempt was.
 */
export interface HeartbeatDetails<C> {
  progress?: Progress;
  cursor?: C;
}

/**
 * The cursor left by the previous attempt, or undefined on a first attempt (or when it never heartbeated).
 *
 * @example resumeCursor<string>() // → 'images/00421.jpg' on attempt 2 of a sync that listed up to that key
 */
export function resumeCursor<C>(): C | undefined {
  const details = Context.current().info.heartbeatDetails as HeartbeatDetails<C> | undefined;
  return details?.cursor;
}

/**
 * Keeps the latest progress and cursor together and heartbeats both, so a progress callback that knows nothing of
 * the cursor never sends details that would lose it. The SDK throttles what actually reaches the server.
 */
export class Heartbeater<C> {
  private details: HeartbeatDetails<C>;

  constructor(initialCursor?: C) {
    this.details = initialCursor === undefined ? {} : { cursor: initialCursor };
  }

  /** A `ProgressCallback` for the engine. */
  readonly onProgress = (progress: Progress): void => {
    this.details = { ...this.details, progress };
    Context.current().heartbeat(this.details);
  };

  /** Records a durable resume point (a listed key, a number of files embedded). */
  checkpoint(cursor: C): void {
    this.details = { ...this.details, cursor };
    Context.current().heartbeat(this.details);
  }

  /** Heartbeats without news, e.g. while waiting on a slow upload, so the heartbeat timeout measures liveness. */
  beat(): void {
    Context.current().heartbeat(this.details);
  }
}

/** The activity's cancellation as an AbortSignal for engine calls; it fires on cancel and on worker shutdown. */
export function activitySignal(): AbortSignal {
  return Context.current().cancellationSignal;
}
