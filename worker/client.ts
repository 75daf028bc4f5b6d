import {
  Client,
  Connection,
  ScheduleOverlapPolicy,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { WinnowError } from '../src/errors';
import type { PipelineConfig } from '../src/pipeline/config';
import { pipelineWorkflowId } from '../src/pipeline/workflow-id';
import type { PipelineInput, PipelineOptions, PipelineProgress, PipelineResult } from '../workflows/curation-pipeline';
import { DEFAULT_TASK_QUEUE, temporalAddress, temporalNamespace } from './connection';

/** A Temporal client bound to the connection it must close. */
export interface PipelineClient {
  client: Client;
  close(): Promise<void>;
}

export async function connectPipelineClient(options: { address?: string; namespace?: string } = {}): Promise<PipelineClient> {
  const connection = await Connection.connect({ address: temporalAddress(options.address) });
  const client = new Client({ connection, namespace: temporalNamespace(options.namespace) });
  return { client, close: () => connection.close() };
}

export interface StartPipelineOptions {
  taskQueue?: string;
  options?: PipelineOptions;
  /** Defaults to `pipelineWorkflowId(config)`: dataset + config hash. */
  workflowId?: string;
}

/**
 * Starts `curationPipeline`. The id comes from dataset + config, so starting the same pipeline while it runs — or
 * after it completed — is rejected instead of running twice; after a failure or cancel the same id may start again.
 *
 * @example await startPipeline(client, config) // → { workflowId: 'winnow-cats-3f9a1c0b7d2e', runId: '0193…' }
 */
export async function startPipeline(client: Client, config: PipelineConfig, options: StartPipelineOptions = {}): Promise<{ workflowId: string; runId: string }> {
  const workflowId = options.workflowId ?? pipelineWorkflowId(config);
  const input: PipelineInput = { config, ...(options.options ? { options: options.options } : {}) };
  try {
    const handle = await client.workflow.start('curationPipeline', {
      args: [input],
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new WinnowError(
        `pipeline ${workflowId} was already started with this dataset and config (running or completed); ` +
          `see \`winnow pipeline status ${workflowId}\``,
        { code: 'ALREADY_STARTED' },
      );
    }
    throw error;
  }
}

export interface PendingStep {
  activity: string;
  attempt: number;
  state: string;
  /** Last heartbeat: engine progress and resume cursor. */
  heartbeat?: unknown;
  lastFailure?: string;
}

export interface PipelineStatus {
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT. */
  status: string;
  startTime: Date;
  closeTime?: Date;
  progress?: PipelineProgress;
  pending: PendingStep[];
  result?: PipelineResult;
  failure?: string;
}

// A query needs a worker to answer; without one the server would hold the call for its full deadline.
const QUERY_TIMEOUT_MS = 5_000;

/**
 * Describes a pipeline run: Temporal status, the workflow's own progress (query), the activities in flight with
 * their last heartbeat, and the result or failure message once closed.
 */
export async function describePipeline(client: Client, workflowId: string): Promise<PipelineStatus> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const status: PipelineStatus = {
    workflowId,
    runId: description.runId,
    status: description.status.name,
    startTime: description.startTime,
    ...(description.closeTime ? { closeTime: description.closeTime } : {}),
    pending: (description.raw.pendingActivities ?? []).map((a) => {
      const step: PendingStep = {
        activity: a.activityType?.name ?? '?',
        attempt: a.attempt ?? 1,
        state: String(a.state ?? ''),
      };
      const details = a.heartbeatDetails?.payloads?.[0];
      if (details) step.heartbeat = defaultPayloadConverter.fromPayload(details);
      if (a.lastFailure?.message) step.lastFailure = a.lastFailure.message;
      return step;
    }),
  };
  if (description.status.name === 'RUNNING') {
    status.progress = await Promise.race([
      handle.query<PipelineProgress>('progress').catch(() => undefined),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), QUERY_TIMEOUT_MS).unref()),
    ]);
  } else if (description.status.name === 'COMPLETED') {
    status.result = await handle.result();
  } else if (description.status.name === 'FAILED') {
    status.failure = await handle.result().then(
      () => undefined,
      (error: unknown) => failureMessage(error),
    );
  }
  return status;
}

/** The innermost message of a workflow failure: the engine's own words (`metadata.json:3:5: …`). */
export function failureMessage(error: unknown): string {
  let current: unknown = error instanceof WorkflowFailedError ? error.cause : error;
  let message = current instanceof Error ? current.message : String(current);
  while (current instanceof Error && current.cause instanceof Error) {
    current = current.cause;
    if (current instanceof Error && current.message) message = current.message;
  }
  return message;
}

/**
 * Stops a pipeline. `stop` lets the steps in flight finish and completes with status `stopped`; `cancel` cancels the
 * activities in flight (they clean up) and closes the workflow as CANCELLED.
 */
export async function cancelPipeline(client: Client, workflowId: string, mode: 'stop' | 'cancel' = 'cancel'): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  if (mode === 'stop') await handle.signal('stop', 'requested by winnow pipeline cancel --stop');
  else await handle.cancel();
}

export const OVERLAP_POLICIES = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
} as const;
export type OverlapPolicyName = keyof typeof OVERLAP_POLICIES;

export interface CreateScheduleOptions {
  scheduleId?: string;
  /** Standard 5-field cron, e.g. `0 2 * * *` for 02:00 every night. */
  cron: string;
  /** IANA zone the cron is read in; UTC when omitted. */
  timezone?: string;
  taskQueue?: string;
  /** What happens when a run is still going at the next firing. Default `skip`: nightly runs never stack. */
  overlap?: OverlapPolicyName;
  options?: PipelineOptions;
}

/**
 * Creates a Temporal schedule that starts `curationPipeline` on a cron. Each firing gets its own workflow id
 * (Temporal appends the firing time), so `{date}` tags and workspaces do not collide.
 *
 * @example await createPipelineSchedule(client, config, { cron: '0 2 * * *' }) // → { scheduleId: 'winnow-cats-nightly' }
 */
export async function createPipelineSchedule(client: Client, config: PipelineConfig, options: CreateScheduleOptions): Promise<{ scheduleId: string }> {
  const scheduleId = options.scheduleId ?? `${pipelineWorkflowId(config)}-schedule`;
  const input: PipelineInput = { config, ...(options.options ? { options: options.options } : {}) };
  await client.schedule.create({
    scheduleId,
    spec: { cronExpressions: [options.cron], ...(options.timezone ? { timezone: options.timezone } : {}) },
    action: {
      type: 'startWorkflow',
      workflowType: 'curationPipeline',
      args: [input],
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      workflowId: pipelineWorkflowId(config),
    },
    // A missed firing (server down overnight) still runs if it is less than a day late.
    policies: { overlap: OVERLAP_POLICIES[options.overlap ?? 'skip'], catchupWindow: '1 day' },
  });
  return { scheduleId };
}
