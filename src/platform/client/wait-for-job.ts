import { WinnowError } from '../../errors';
import { measureProgress } from '../../progress';
import type { JobStatusData } from '../schemas';
import type { CallOptions } from './platform-client';

/** A selection job ended FAILED; the message is the job's error. */
export class JobFailedError extends WinnowError {
  constructor(
    readonly jobId: string,
    message: string,
  ) {
    super(`job ${jobId} failed: ${message}`, { code: 'JOB_FAILED' });
  }
}

/**
 * Polls a job until FINISHED (returned) or FAILED (JobFailedError), reporting progress only when it changes. Waits
 * the server's `waitTimeTillNextPoll` between polls unless `pollIntervalMs` overrides it.
 */
export async function waitForJob(
  getJob: (jobId: string) => Promise<JobStatusData>,
  jobId: string,
  options: CallOptions & { pollIntervalMs?: number } = {},
): Promise<JobStatusData> {
  const started = Date.now();
  let last = -1;
  for (;;) {
    options.signal?.throwIfAborted();
    const job = await getJob(jobId);
    if (job.meta.processed !== last) {
      last = job.meta.processed;
      options.onProgress?.(measureProgress(job.meta.processed, job.meta.total || undefined, started));
    }
    if (job.status === 'FINISHED') return job;
    if (job.status === 'FAILED') throw new JobFailedError(jobId, job.error ?? 'unknown error');
    const delay = options.pollIntervalMs ?? Math.max(job.waitTimeTillNextPoll, 0.05) * 1000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, delay);
      options.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(options.signal?.reason);
        },
        { once: true },
      );
    });
  }
}
