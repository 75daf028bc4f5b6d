import type { IExecuteFunctions } from 'n8n-workflow';
import type { ProgressCallback } from '../../src/progress';

// One log line per interval keeps a 100k-image run readable in n8n's log without flooding it.
const LOG_INTERVAL_MS = 10_000;

/** A ProgressCallback that writes throttled progress lines to n8n's logger. */
export function logProgress(ctx: IExecuteFunctions, step: string): ProgressCallback {
  let lastLoggedAt = 0;
  return (progress) => {
    const now = Date.now();
    const finished = progress.total !== undefined && progress.done >= progress.total;
    if (!finished && now - lastLoggedAt < LOG_INTERVAL_MS) return;
    lastLoggedAt = now;
    const of = progress.total === undefined ? '' : `/${progress.total}`;
    const rate = progress.rate === undefined ? '' : ` (${progress.rate.toFixed(1)}/s)`;
    ctx.logger.info(`${step}: ${progress.done}${of}${rate}`, { node: ctx.getNode().name });
  };
}
