import type { EmbedShardResult, ShardRef } from '../step-types';
import { describeSamples } from './describe-samples';
import type { StepContext } from './step-context';

/**
 * Embeds one shard of the sync step's list into its own CSV; shards run in parallel on any worker. Rows a crashed
 * attempt wrote are kept; images that cannot be read are skipped, counted and reported (file + reason).
 */
export async function embedStep(ctx: StepContext<number>, shard: ShardRef): Promise<EmbedShardResult> {
  const result = await ctx.files.embedShard(ctx, shard, (images) => describeSamples(images, ctx));
  // The log gets the count and the first reason; the report has them all.
  if (result.skipped > 0) ctx.log.warn(`shard ${shard.index}: ${result.skipped} image(s) skipped; reasons in ${result.skippedReport}`);
  return result;
}
