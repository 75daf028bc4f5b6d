import type { SyncResult } from '../step-types';
import type { StepContext } from './step-context';

/**
 * Makes the source's images reachable for the embed step and lists those this run embeds (all, or the new ones of an
 * incremental run). Resumes after the last listed key a checkpoint recorded.
 */
export function syncStep(ctx: StepContext<string>): Promise<SyncResult> {
  return ctx.files.sync(ctx);
}
