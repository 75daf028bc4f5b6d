import { Option, type Command } from 'commander';
import { readPipelineConfigFile } from '../../pipeline/config';
import type { OverlapPolicyName } from '../../../worker/client';
import { action, type CommandModule } from '../program';

interface ScheduleFlags {
  cron: string;
  config: string;
  id?: string;
  timezone?: string;
  overlap: OverlapPolicyName;
  taskQueue: string;
  address?: string;
  namespace?: string;
}

/** `winnow schedule create`: nightly (or any cron) incremental curation as a Temporal schedule. */
export const registerScheduleCommand: CommandModule = (program: Command) => {
  const schedule = program.command('schedule').description('Run the curation pipeline on a cron through Temporal schedules.');
  schedule
    .command('create')
    .description('Create a schedule that starts the pipeline on a cron; use "incremental": true to embed only new objects.')
    .requiredOption('--cron <expr>', 'cron expression, e.g. "0 2 * * *" for 02:00 every night')
    .requiredOption('--config <file>', 'pipeline config JSON')
    .option('--id <scheduleId>', 'schedule id (default: derived from dataset + config)')
    .option('--timezone <zone>', 'IANA time zone the cron is read in (default UTC)')
    .addOption(new Option('--overlap <policy>', 'when the previous run is still going').choices(['skip', 'buffer-one', 'buffer-all', 'cancel-other', 'terminate-other', 'allow-all'] satisfies OverlapPolicyName[]).default('skip'))
    .option('--task-queue <queue>', 'task queue the workers poll', 'winnow')
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)')
    .option('--namespace <ns>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .action(
      action(async (flags: ScheduleFlags) => {
        const config = await readPipelineConfigFile(flags.config);
        const { connectPipelineClient, createPipelineSchedule } = await import('../../../worker/client.js');
        const connection = await connectPipelineClient(flags);
        try {
          const { scheduleId } = await createPipelineSchedule(connection.client, config, {
            cron: flags.cron,
            scheduleId: flags.id,
            timezone: flags.timezone,
            overlap: flags.overlap,
            taskQueue: flags.taskQueue,
          });
          process.stdout.write(
            `created schedule ${scheduleId} (${flags.cron}${flags.timezone ? ` ${flags.timezone}` : ' UTC'}, overlap ${flags.overlap})\n` +
              (config.incremental ? '' : '  note: "incremental" is false, so every run embeds every image again\n') +
              `  inspect: temporal schedule describe --schedule-id ${scheduleId}\n` +
              `  trigger now: temporal schedule trigger --schedule-id ${scheduleId}\n`,
          );
        } finally {
          await connection.close();
        }
      }),
    );
};
