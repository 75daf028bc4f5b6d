import type { PlatformClient } from '../platform';
import { tagFileNames } from '../platform/client/find';
import { matchesTagTemplate } from './plan';

/**
 * The datapool of an incremental selection: the samples earlier runs picked, which a new selection keeps and never
 * picks again. One definition for `winnow run`, the Temporal pipeline and the n8n Select node: the file names in the
 * dataset's tags whose names match the run's tag template (`nightly-{date}`, or `picks-*` for a name prefix), other
 * than the tag this run makes.
 */
export interface Datapool {
  /** The earlier tags, newest name first (rendered dates and times sort as text in time order). */
  tagIds: string[];
  fileNames: string[];
}

/**
 * @example
 * await findDatapool(client, datasetId, 'nightly-{date}', 'nightly-2026-11-27')
 * // → { tagIds: ['…26', '…25'], fileNames: ['cats/1.jpg', 'dogs/7.jpg', …] }
 */
export async function findDatapool(client: PlatformClient, datasetId: string, template: string, currentTag?: string): Promise<Datapool> {
  const tags = (await client.getAllTags(datasetId)).filter((t) => t.name !== currentTag && matchesTagTemplate(template, t.name));
  tags.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const names = new Set<string>();
  for (const tag of tags) for (const name of await client.exportFilenamesByTagId(datasetId, tag.id)) names.add(name);
  return { tagIds: tags.map((t) => t.id), fileNames: [...names] };
}

/**
 * The datapool as the one tag a platform selection job preselects. Runs of the pipeline make cumulative tags (each
 * holds every earlier pick), so the newest tag usually is the datapool; when it is not (tags made by hand), a tag of
 * the union is made once, as `<currentTag>.datapool`.
 */
export async function datapoolTagId(client: PlatformClient, datasetId: string, template: string, currentTag: string): Promise<{ tagId?: string; size: number }> {
  const pool = await findDatapool(client, datasetId, template, currentTag);
  const unionName = `${currentTag}.datapool`;
  const [newest] = pool.tagIds;
  if (newest === undefined) return { size: 0 };
  const newestSize = (await client.exportFilenamesByTagId(datasetId, newest)).length;
  if (newestSize === pool.fileNames.length) return { tagId: newest, size: newestSize };
  const union = await tagFileNames(client, datasetId, unionName, pool.fileNames, { ifExists: 'keep' });
  return { tagId: union.tag.id, size: pool.fileNames.length };
}
