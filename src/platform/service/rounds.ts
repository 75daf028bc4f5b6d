import { InvalidInputError } from '../../errors';
import { indicesOf } from './bitmask';
import type { UserScope } from './datasets';
import { loadFileNames } from './samples';
import { getTag } from './tags';

/** A selection chain longer than this is a cycle in the data, not a labeling loop. */
const MAX_ROUNDS = 10_000;

export interface RoundSamples {
  /** 1 for a selection without preselected samples; each selection that preselects an earlier one is one round later. */
  round: number;
  /** The tag the new samples are counted against: `sinceTagId`, else the selection's preselected tag (the previous round). */
  sinceTagId: string | null;
  /** Positions (dataset order) of the samples in the tag but not in `sinceTagId`. */
  indices: number[];
}

/**
 * A selection tag's round and the samples new in it — what goes to labeling after each round of
 * "select → label → train → predict → select". The round is the length of the tag's preselection chain (a selection
 * that preselected the previous round's tag is the next round); nothing is stored beside the tag, so tags made by
 * Lightly clients and by every Winnow face count alike.
 *
 * @example
 * await samplesNewInRound(scope, datasetId, round2TagId)
 * // → { round: 2, sinceTagId: '<round 1 tag id>', indices: [4, 17, 23] }
 */
export async function samplesNewInRound(scope: UserScope, datasetId: string, tagId: string, sinceTagId?: string): Promise<RoundSamples> {
  const tag = await getTag(scope, datasetId, tagId);
  let round = 1;
  const seen = new Set([tag.id]);
  for (let previous = tag.preselectedTagId; previous; round++) {
    if (seen.has(previous) || round > MAX_ROUNDS) throw new InvalidInputError({ file: 'tags', column: 'preselectedTagId' }, `tag ${JSON.stringify(tag.name)} has a preselection cycle`);
    seen.add(previous);
    previous = (await getTag(scope, datasetId, previous)).preselectedTagId;
  }
  const since = sinceTagId ?? tag.preselectedTagId ?? null;
  const earlier = since === null ? new Set<number>() : new Set(indicesOf((await getTag(scope, datasetId, since)).bitMaskData));
  return { round, sinceTagId: since, indices: indicesOf(tag.bitMaskData).filter((i) => !earlier.has(i)) };
}

/** {@link samplesNewInRound} with the new samples' file names. → `{ round: 2, sinceTagId, indices: [4, 17], fileNames: ['b.jpg', 'q.jpg'] }` */
export async function roundSamplesWithNames(scope: UserScope, datasetId: string, tagId: string, sinceTagId?: string): Promise<RoundSamples & { fileNames: string[] }> {
  const result = await samplesNewInRound(scope, datasetId, tagId, sinceTagId);
  const names = await loadFileNames(scope.store, datasetId);
  return { ...result, fileNames: result.indices.map((i) => names[i]) };
}
