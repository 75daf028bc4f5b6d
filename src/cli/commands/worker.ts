import type { Command } from 'commander';
import { action, CliError, EXIT_USAGE, type CommandModule } from '../program';

interface WorkerFlags {
  address?: string;
  namespace?: string;
  taskQueue: string;
  concurrency: string;
  workDir?: string;
  secretsFile?: string;
  shutdownGrace: string;
}

/** `winnow worker`: runs the curation workflows and activities until SIGINT/SIGTERM, then shuts down gracefully. */
export const registerWorkerCommand: CommandModule = (program: Command) => {
  program
    .command('worker')
    .description('Run a Temporal worker for the curation pipeline (workflows + activities) until SIGTERM.')
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)')
    .option('--namespace <ns>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .option('--task-queue <queue>', 'task queue to poll', 'winnow')
    .option('--concurrency <n>', 'activities run at once on this worker (shards embedded in parallel)', '2')
    .option('--work-dir <dir>', 'root of the local workspaces: synced images, shard CSVs (env WINNOW_WORK_DIR, default .winnow/work)')
    .option('--secrets-file <file>', 'JSON file with credential profiles (env WINNOW_SECRETS_FILE)')
    .option('--shutdown-grace <duration>', 'on SIGTERM, how long running activities may finish before they are cancelled', '30s')
    .addHelpText(
      'after',
      '\nCredentials never travel in workflow inputs: a pipeline config names a profile, and this worker resolves it from\n' +
        'WINNOW_PROFILE_<NAME>_S3_ACCESS_KEY_ID / _S3_SECRET_ACCESS_KEY / _S3_ENDPOINT / _PLATFORM_TOKEN or the secrets file.\n' +
        'The profile "default" also reads WINNOW_S3_*.',
    )
    .action(
      action(async (flags: WorkerFlags) => {
        const concurrency = Number(flags.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw new CliError(`--concurrency must be a positive integer, got ${flags.concurrency}`, EXIT_USAGE);
        // Loaded on demand: the Temporal worker pulls in a 30 MB native bridge no other command needs.
        const { createPipelineWorker } = await import('../../../worker/worker.js');
        const worker = await createPipelineWorker({
          address: flags.address,
          namespace: flags.namespace,
          taskQueue: flags.taskQueue,
          concurrency,
          workDir: flags.workDir,
          secretsFile: flags.secretsFile,
          shutdownGraceTime: flags.shutdownGrace as `${number}s`,
        });
        process.stderr.write(`winnow worker: polling task queue "${flags.taskQueue}" (concurrency ${concurrency}); SIGTERM stops it gracefully\n`);
        await worker.run();
        process.stderr.write('winnow worker: stopped\n');
      }),
    );
};
