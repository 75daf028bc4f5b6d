import type { EmbedShardResult, ShardRef } from '../step-types';
import { describeSamples } from './describe-samples';
import type { StepContext } from './step-context';

/**
 * Embeds one shard of the sync step's list into its own CSV; shards run in parallel on any worker. Rows a crashed
 * attempt wrote are kept; images that cannot be read are skipped, counted and reported (file + reason).
 */
export function embedStep(ctx: StepContext<number>, shard: ShardRef): Promise<EmbedShardResult> {
  // Skipped images are in the result and its report; each driver says so where its users look (summary, worker log).
  return ctx.files.embedShard(ctx, shard, (images) => describeSamples(images, ctx));
}
