import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { syncS3ToLocal } from '../../../src/s3/sync-to-local';
import { splitList } from '../../shared/globs';
import { getS3Settings } from '../../shared/s3-credentials';
import { nodeStepIO } from '../../shared/step-io';

// Enough failed keys to see the pattern; the full count is in `failed`.
const FAILED_KEYS_SHOWN = 20;

/** Syncs one item's bucket prefix into its local folder and reports counts, never file lists or bytes. */
export async function syncBucketToFolder(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const bucketName = (ctx.getNodeParameter('bucketName', itemIndex) as string).trim();
  const prefix = (ctx.getNodeParameter('prefix', itemIndex, '') as string).trim().replace(/^\/+/, '');
  const localFolder = (ctx.getNodeParameter('localFolder', itemIndex) as string).trim();
  const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
  const s3Uri = `s3://${bucketName}/${prefix}`;
  const { io } = nodeStepIO(ctx, `sync ${s3Uri}`);
  const result = await syncS3ToLocal({
    source: s3Uri,
    targetDir: localFolder,
    s3: await getS3Settings(ctx, itemIndex),
    include: splitList(options.include),
    exclude: splitList(options.exclude),
    imagesOnly: options.imagesOnly === undefined ? true : Boolean(options.imagesOnly),
    delete: Boolean(options.deleteRemoved),
    dryRun: Boolean(options.dryRun),
    concurrency: typeof options.concurrency === 'number' ? options.concurrency : undefined,
    onProgress: io.onProgress,
    signal: io.signal,
  });
  const output: IDataObject = {
    s3Uri,
    localFolder,
    listed: result.listed,
    downloaded: result.downloaded,
    skipped: result.skipped,
    deleted: result.deleted,
    failed: result.failed.length,
    refused: result.refused.length,
    bytes: result.bytes,
    seconds: result.seconds,
  };
  if (result.failed.length > 0) output.failedKeys = result.failed.slice(0, FAILED_KEYS_SHOWN) as unknown as IDataObject[];
  if (result.refused.length > 0) output.refusedKeys = result.refused.slice(0, FAILED_KEYS_SHOWN) as unknown as IDataObject[];
  if (result.plan) output.plan = result.plan as unknown as IDataObject;
  return output;
}
