import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { EmbedShardResult } from '../../activities/types';

/** One completed `embedImages` activity as the server recorded it: which worker finished it, and what it returned. */
export interface CompletedShard {
  activityId: string;
  /** Identity of the worker that completed the last attempt (`<pid>@<host>` unless the worker sets one). */
  identity: string;
  result: EmbedShardResult;
}

/**
 * Reads a workflow's history (latest run) and returns every completed `embedImages` with the completing worker's
 * identity. The server, not the worker's logs, is the witness: a killed worker cannot misreport what it finished.
 */
export async function completedShards(client: Client, workflowId: string): Promise<CompletedShard[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, { type: string; activityId: string }>();
  const startedBy = new Map<string, string>();
  const shards: CompletedShard[] = [];
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(event.eventId), { type: s.activityType?.name ?? '', activityId: s.activityId ?? '' });
    const started = event.activityTaskStartedEventAttributes;
    if (started) startedBy.set(String(event.eventId), started.identity ?? '');
    const completed = event.activityTaskCompletedEventAttributes;
    const from = completed ? scheduled.get(String(completed.scheduledEventId)) : undefined;
    if (completed && from?.type === 'embedImages') {
      shards.push({
        activityId: from.activityId,
        identity: completed.identity || startedBy.get(String(completed.startedEventId)) || '',
        result: defaultPayloadConverter.fromPayload(completed.result!.payloads![0]) as EmbedShardResult,
      });
    }
  }
  return shards;
}
