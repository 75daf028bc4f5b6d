import type { Command } from 'commander';
import { readPipelineConfigFile } from '../../pipeline/config';
import { pipelineWorkflowId } from '../../pipeline/workflow-id';
import type { PipelineClient, PipelineStatus } from '../../../worker/client';
import { action, type CommandModule } from '../program';

interface ConnectionFlags {
  address?: string;
  namespace?: string;
}

function addConnectionOptions(command: Command): Command {
  return command
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)')
    .option('--namespace <ns>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")');
}

type ClientModule = typeof import('../../../worker/client.js');

/** Loads the Temporal client on demand (other commands should not pay for it) and closes the connection after. */
async function withClient<T>(flags: ConnectionFlags, fn: (client: PipelineClient['client'], api: ClientModule) => Promise<T>): Promise<T> {
  const api: ClientModule = await import('../../../worker/client.js');
  const connection = await api.connectPipelineClient(flags);
  try {
    return await fn(connection.client, api);
  } finally {
    await connection.close();
  }
}

/** `winnow pipeline start|status|cancel`: the curation pipeline as a durable Temporal workflow. */
export const registerPipelineCommand: CommandModule = (program: Command) => {
  const pipeline = program.command('pipeline').description('Start, watch and cancel the curation pipeline on Temporal (run `winnow worker` too).');

  addConnectionOptions(
    pipeline
      .command('start')
      .description('Start the pipeline described by a config file; the same dataset + config is never run twice.')
      .requiredOption('--config <file>', 'pipeline config JSON (dataset, source, select, tag, platform, …)')
      .option('--task-queue <queue>', 'task queue the workers poll', 'winnow')
      .option('--wait', 'wait for the result and print it')
      .option('--json', 'print JSON'),
  ).action(
    action(async (flags: ConnectionFlags & { config: string; taskQueue: string; wait?: boolean; json?: boolean }) => {
      const config = await readPipelineConfigFile(flags.config);
      await withClient(flags, async (client, api) => {
        const started = await api.startPipeline(client, config, { taskQueue: flags.taskQueue });
        if (!flags.wait) {
          if (flags.json) process.stdout.write(`${JSON.stringify(started)}\n`);
          else
            process.stdout.write(
              `started ${started.workflowId}\n` +
                `  watch:  npx winnow pipeline status ${started.workflowId}\n` +
                `  stop:   npx winnow pipeline cancel ${started.workflowId} [--stop]\n`,
            );
          return;
        }
        const result = await client.workflow.getHandle(started.workflowId).result();
        process.stdout.write(`${JSON.stringify(flags.json ? { ...started, result } : result, null, 2)}\n`);
      });
    }),
  );

  addConnectionOptions(
    pipeline
      .command('status')
      .description('Show a pipeline run: state, progress, activities in flight with their last heartbeat, result or failure.')
      .argument('[workflowId]', 'the id printed by `pipeline start`')
      .option('--config <file>', 'derive the id from a config file instead')
      .option('--json', 'print JSON'),
  ).action(
    action(async (workflowId: string | undefined, flags: ConnectionFlags & { config?: string; json?: boolean }) => {
      const id = workflowId ?? (flags.config ? pipelineWorkflowId(await readPipelineConfigFile(flags.config)) : undefined);
      if (!id) throw new Error('give a workflow id or --config FILE');
      const status = await withClient(flags, (client, api) => api.describePipeline(client, id));
      process.stdout.write(flags.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      if (status.status === 'FAILED') process.exitCode = 1;
    }),
  );

  addConnectionOptions(
    pipeline
      .command('cancel')
      .description('Cancel a pipeline: activities in flight are cancelled and clean up (or, with --stop, finish first).')
      .argument('<workflowId>', 'the id printed by `pipeline start`')
      .option('--stop', 'let the steps in flight finish, then complete with status "stopped"'),
  ).action(
    action(async (workflowId: string, flags: ConnectionFlags & { stop?: boolean }) => {
      await withClient(flags, (client, api) => api.cancelPipeline(client, workflowId, flags.stop ? 'stop' : 'cancel'));
      process.stdout.write(`${flags.stop ? 'stop requested for' : 'cancellation requested for'} ${workflowId}\n`);
    }),
  );
};

function formatStatus(s: PipelineStatus): string {
  const lines = [`${s.workflowId}  ${s.status}  started ${s.startTime.toISOString()}${s.closeTime ? `  closed ${s.closeTime.toISOString()}` : ''}`];
  if (s.progress) {
    const p = s.progress;
    const shards = p.shards ? `  shards ${p.shards.done}/${p.shards.total} (${p.shards.running} running)` : '';
    lines.push(`  phase ${p.phase}${p.images !== undefined ? `  images ${p.images}` : ''}${shards}  embedded ${p.embedded}${p.resumed ? ` (+${p.resumed} resumed)` : ''}${p.skipped ? `  skipped ${p.skipped}` : ''}`);
  }
  for (const a of s.pending) {
    const hb = a.heartbeat as { progress?: { done: number; total?: number } } | undefined;
    const progress = hb?.progress ? `  ${hb.progress.done}${hb.progress.total !== undefined ? `/${hb.progress.total}` : ''}` : '';
    lines.push(`  running ${a.activity} (attempt ${a.attempt})${progress}${a.lastFailure ? `  last failure: ${a.lastFailure}` : ''}`);
  }
  if (s.result) lines.push(`  result: ${JSON.stringify(s.result)}`);
  if (s.failure) lines.push(`  failed: ${s.failure}`);
  return `${lines.join('\n')}\n`;
}
