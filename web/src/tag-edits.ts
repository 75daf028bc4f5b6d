import type { Api, TagData } from './api';
import { bitmaskToMembers, indicesToBitmask } from './bitmask';

/** The creator code of a tag (`changes[0].creator`, Lightly's field; older servers also sent `creator`). */
export function creatorCode(tag: TagData): string {
  const t = tag as unknown as { creator?: unknown; changes?: { creator?: unknown }[] };
  return String(t.changes?.[0]?.creator ?? t.creator ?? 'UNKNOWN');
}

/** Who made a tag, in words (the API's codes, `USER_PIP`, `SAMPLER_CORESET`, mean little to a curator). */
export function creatorInWords(tag: TagData): string {
  const code = creatorCode(tag);
  const words: Record<string, string> = {
    USER_WEBAPP: 'web app',
    USER_PIP: 'Python client / API',
    USER_PIP_LIGHTLY_MAGIC: 'Python client',
    USER_WORKER: 'pipeline worker',
    UNKNOWN: 'unknown',
  };
  if (code in words) return words[code];
  // Lightly's creator enum has no code for config-driven runs (typicality, coverage, the default), so the platform
  // records them as SAMPLER_CORESET: naming a strategy there would often be wrong.
  if (code === 'SAMPLER_CORESET') return 'sampling run';
  if (code.startsWith('SAMPLER_')) return `sampling run (${code.slice('SAMPLER_'.length).toLowerCase().replace(/_/g, ' ')})`;
  return code.toLowerCase().replace(/_/g, ' ');
}

/** Tags people can add samples to: not initial-tag (every sample) and not a sampling run's own result tag. */
export function editableTags(tags: TagData[]): TagData[] {
  return tags.filter((t) => t.name !== 'initial-tag' && !isRunTag(t));
}

/** A sampling run's own tag (Lightly's sampling makes one; its client relies on it): shown as the run's, apart. */
export function isRunTag(tag: TagData): boolean {
  return creatorCode(tag).startsWith('SAMPLER_') && tag.runId !== undefined && tag.runId !== null;
}

/**
 * Adds samples to the tag named `name` (creating it when there is none) or removes them from it.
 * → the message to show, e.g. `Added 12 samples to cats (now 40).`
 */
export async function changeTagMembers(
  api: Api,
  datasetId: string,
  tags: TagData[],
  total: number,
  name: string,
  indices: Iterable<number>,
  change: 'add' | 'remove',
): Promise<string> {
  const tag = tags.find((t) => t.name === name);
  const picked = [...indices];
  if (tag === undefined) {
    if (change === 'remove') throw new Error(`There is no tag named ${name}.`);
    await api.createTag(datasetId, { name, bitMaskData: indicesToBitmask(picked), totSize: total, changes: { webapp: { selected: picked.length } } });
    return `Created tag ${name} with ${picked.length.toLocaleString()} samples.`;
  }
  const members = bitmaskToMembers(tag.bitMaskData, total);
  let changed = 0;
  for (const i of picked) {
    const next = change === 'add' ? 1 : 0;
    if (members[i] !== next) changed++;
    members[i] = next;
  }
  const kept: number[] = [];
  for (let i = 0; i < members.length; i++) if (members[i]) kept.push(i);
  await api.updateTag(datasetId, tag.id, { name: tag.name, bitMaskData: indicesToBitmask(kept) });
  return change === 'add'
    ? `Added ${changed.toLocaleString()} samples to ${name} (now ${kept.length.toLocaleString()}).`
    : `Removed ${changed.toLocaleString()} samples from ${name} (now ${kept.length.toLocaleString()}).`;
}
