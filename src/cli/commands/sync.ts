import type { Command } from 'commander';
import { DEFAULT_CONCURRENCY, isS3Uri, syncLocalToS3, syncS3ToLocal, type S3Settings, type SyncResult } from '../../s3';
import { action, CliError, EXIT_FAILED, EXIT_USAGE, type CommandModule } from '../program';
import { createProgressBar } from '../progress-bar';
import { escapeForTerminal } from '../terminal-text';

interface SyncFlags {
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  concurrency?: string;
  threads?: string;
  delete?: boolean;
  dryRun?: boolean;
  include: string[];
  exclude: string[];
  imagesOnly?: boolean;
  startAfter?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `winnow sync SRC DST`: one side `s3://bucket/prefix`, the other a folder. */
export const registerSync: CommandModule = (program: Command) => {
  program
    .command('sync')
    .description('Mirror s3://bucket/prefix into a folder or a folder into s3://bucket/prefix, like `aws s3 sync`.')
    .argument('<src>', 's3://bucket/prefix or a folder')
    .argument('<dst>', 'a folder or s3://bucket/prefix')
    .option('--endpoint <url>', 'S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS)')
    .option('--region <region>', 'region (default: AWS_REGION or us-east-1)')
    .option('--path-style', 'address buckets as endpoint/bucket (implied by --endpoint)')
    .option('--concurrency <n>', 'objects in flight', String(DEFAULT_CONCURRENCY))
    .option('--threads <n>', 'worker threads for the transfers, 0 = all in the main thread (default: one per core, at most 4)')
    .option('--delete', 'remove files (or objects) that the source no longer has')
    .option('--dry-run', 'print what would be transferred and deleted; change nothing')
    .option('--include <glob>', 'only keys matching this glob (repeatable; a glob without / matches file names)', collect, [])
    .option('--exclude <glob>', 'skip keys matching this glob (repeatable)', collect, [])
    .option('--images-only', 'only image files (jpg, png, webp, …)')
    .option('--start-after <key>', 'resume a download after this key (the marker printed by an interrupted sync)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nCredentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, or the default AWS chain\n' +
        '(shared config, SSO, instance role). Progress goes to stderr, the summary to stdout.\n' +
        'Example: winnow sync s3://datalake/projects/farm-animals ./farm --endpoint http://127.0.0.1:9000',
    )
    .action(action(async (src: string, dst: string, flags: SyncFlags) => runSync(src, dst, flags)));
};

async function runSync(src: string, dst: string, flags: SyncFlags): Promise<void> {
  const concurrency = Number(flags.concurrency ?? DEFAULT_CONCURRENCY);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new CliError(`--concurrency must be an integer from 1 to 256, got ${flags.concurrency}`, EXIT_USAGE);
  }
  const threads = flags.threads === undefined ? undefined : Number(flags.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 64)) {
    throw new CliError(`--threads must be an integer from 0 to 64, got ${flags.threads}`, EXIT_USAGE);
  }
  if (isS3Uri(src) === isS3Uri(dst)) {
    throw new CliError('one of SRC and DST must be s3://bucket/prefix and the other a folder', EXIT_USAGE);
  }
  if (flags.startAfter !== undefined && !isS3Uri(src)) throw new CliError('--start-after only applies to downloads (SRC s3://…)', EXIT_USAGE);
  const s3 = settingsFromEnv(flags);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new CliError('interrupted', 130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = createProgressBar('sync', 'objects');
  const common = {
    s3,
    concurrency,
    ...(threads === undefined ? {} : { threads }),
    delete: flags.delete,
    dryRun: flags.dryRun,
    include: flags.include,
    exclude: flags.exclude,
    imagesOnly: flags.imagesOnly,
    onProgress: progress.update,
    signal: controller.signal,
  };
  let result: SyncResult;
  try {
    result = isS3Uri(src)
      ? await syncS3ToLocal({ ...common, source: src, targetDir: dst, startAfter: flags.startAfter })
      : await syncLocalToS3({ ...common, sourceDir: src, target: dst });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stdout.write(flags.json ? `${JSON.stringify({ source: src, target: dst, ...result }, null, 2)}\n` : escapeForTerminal(formatSummary(src, dst, result), { multiline: true }));
  if (result.failed.length > 0) {
    throw new CliError(`${result.failed.length} object(s) failed after retries; run the same command again to retry them`, EXIT_FAILED);
  }
}

/** Keys from the standard AWS variables; without them the SDK's default chain decides (profiles, SSO, roles). */
function settingsFromEnv(flags: SyncFlags): S3Settings {
  const env = process.env;
  const s3: S3Settings = {};
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    s3.accessKeyId = env.AWS_ACCESS_KEY_ID;
    s3.secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (env.AWS_SESSION_TOKEN) s3.sessionToken = env.AWS_SESSION_TOKEN;
  }
  if (flags.region) s3.region = flags.region;
  if (flags.endpoint) s3.endpoint = flags.endpoint;
  if (flags.pathStyle || flags.endpoint) s3.forcePathStyle = true;
  return s3;
}

function formatSummary(src: string, dst: string, r: SyncResult): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  const lines = [`${src} → ${dst}`];
  if (r.plan) {
    const verb = isS3Uri(src) ? 'download' : 'upload';
    lines.push(`dry run: would ${verb} ${r.plan.transfer.count} (${mb(r.plan.transfer.bytes)}), skip ${r.plan.skip.count} (${mb(r.plan.skip.bytes)}), delete ${r.plan.delete.count}`);
    for (const step of r.plan.sample) lines.push(`  ${step.action === 'transfer' ? verb : 'delete'} ${step.key}${step.size !== undefined ? ` (${step.size} B)` : ''}`);
    const shown = r.plan.sample.length;
    const total = r.plan.transfer.count + r.plan.delete.count;
    if (total > shown) lines.push(`  … and ${total - shown} more`);
  } else {
    const moved = r.downloaded + r.uploaded;
    lines.push(
      `listed ${r.listed}, ${isS3Uri(src) ? 'downloaded' : 'uploaded'} ${moved}, skipped ${r.skipped}, deleted ${r.deleted}, failed ${r.failed.length}, refused ${r.refused.length}`,
      `${mb(r.bytes)} in ${r.seconds.toFixed(1)} s (${(moved / Math.max(r.seconds, 1e-3)).toFixed(1)} objects/s, ${mb(r.bytes / Math.max(r.seconds, 1e-3))}/s)`,
    );
  }
  for (const f of r.failed) lines.push(`failed  ${f.key}: ${f.reason}`);
  for (const f of r.refused) lines.push(`refused ${JSON.stringify(f.key)}: ${f.reason}`);
  if (r.failed.length > 0 && r.marker !== undefined) lines.push(`resume marker: ${r.marker}`);
  return `${lines.join('\n')}\n`;
}
