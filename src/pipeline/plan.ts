/**
 * Pure planning helpers used inside the Temporal workflow sandbox as well as by `winnow run`, so they import nothing
 * (no Node APIs, no clock, no randomness): the same input always gives the same plan, which keeps workflow replay
 * deterministic.
 */

/** One slice of the file list, embedded as a unit and written to its own CSV. */
export interface Shard {
  /** 0-based position; shard CSVs are merged in this order. */
  index: number;
  /** File names relative to the image folder, in the order they were listed. */
  files: string[];
}

/**
 * Splits a file list into consecutive shards of at most `shardSize` files. Order is preserved, so merging the shard
 * CSVs in index order gives the same row order as embedding the whole list at once.
 *
 * @example
 * splitIntoShards(['a.jpg', 'b.jpg', 'c.jpg'], 2)
 * // → [{ index: 0, files: ['a.jpg', 'b.jpg'] }, { index: 1, files: ['c.jpg'] }]
 */
export function splitIntoShards(files: readonly string[], shardSize: number): Shard[] {
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new RangeError(`shardSize must be a positive integer, got ${shardSize}`);
  const shards: Shard[] = [];
  for (let start = 0; start < files.length; start += shardSize) {
    shards.push({ index: shards.length, files: files.slice(start, start + shardSize) });
  }
  return shards;
}

/** A shard as a window on a file list kept elsewhere: workflows carry these, never the names themselves. */
export interface ShardRange {
  index: number;
  /** Position of the shard's first file in the list. */
  offset: number;
  count: number;
}

/**
 * Plans `total` files as consecutive shards of at most `shardSize`. Workflows use this instead of `splitIntoShards`
 * because a million file names would not fit in a workflow payload; activities read their slice from the list file.
 *
 * @example
 * planShards(5, 2) // → [{ index: 0, offset: 0, count: 2 }, { index: 1, offset: 2, count: 2 }, { index: 2, offset: 4, count: 1 }]
 */
export function planShards(total: number, shardSize: number): ShardRange[] {
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new RangeError(`shardSize must be a positive integer, got ${shardSize}`);
  const shards: ShardRange[] = [];
  for (let offset = 0; offset < total; offset += shardSize) {
    shards.push({ index: shards.length, offset, count: Math.min(shardSize, total - offset) });
  }
  return shards;
}

/**
 * A dataset name or workflow id as one folder name or key segment: free text must not climb out of a work root or a
 * staging prefix.
 *
 * @example safeSegment('../etc/passwd') // → '__etc_passwd'
 */
export function safeSegment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || '_';
}

/** Zero-padded shard file name, so a plain sort of the names is the merge order. */
export function shardFileName(index: number): string {
  return `shard-${String(index).padStart(6, '0')}.csv`;
}

/**
 * Fills a tag-name template with the run's start time (UTC): `{date}` → `2026-11-26`, `{time}` → `020000`, so
 * nightly (or more frequent) runs create distinct tags; and `{n}` with the number selected, when known.
 *
 * @example renderTagName('nightly-{date}', new Date('2026-11-26T02:00:00Z')) // → 'nightly-2026-11-26'
 * @example renderTagName('coreset-{n}', new Date(), { n: 26 }) // → 'coreset-26'
 */
export function renderTagName(template: string, startedAt: Date, values: { n?: number } = {}): string {
  const iso = startedAt.toISOString();
  const name = template.replaceAll('{date}', iso.slice(0, 10)).replaceAll('{time}', iso.slice(11, 19).replaceAll(':', ''));
  return values.n === undefined ? name : name.replaceAll('{n}', String(values.n));
}

/**
 * How many images to keep: `select` is a count (≥ 1, at most the rows) or a fraction of the rows (< 1, at least one).
 *
 * @example selectionSize(0.1, 264) // → 26
 * @example selectionSize(500, 264) // → 264
 */
export function selectionSize(select: number, rows: number): number {
  return select < 1 ? Math.max(1, Math.round(select * rows)) : Math.min(select, rows);
}

/**
 * Whether `name` was rendered from `template` by `renderTagName` (any date/time), to find the tags of earlier runs.
 * A `*` matches any text, so a name prefix `p` is the template `p*`. A template with no placeholder names one tag only,
 * and so has no earlier runs.
 *
 * @example matchesTagTemplate('nightly-{date}', 'nightly-2026-11-25') // → true
 * @example matchesTagTemplate('picks-*', 'picks-monday') // → true
 */
export function matchesTagTemplate(template: string, name: string): boolean {
  if (!/\{date\}|\{time\}|\{n\}|\*/.test(template)) return false;
  const placeholders = new Map([['{date}', '\\d{4}-\\d{2}-\\d{2}'], ['{time}', '\\d{6}'], ['{n}', '\\d+'], ['*', '.*']]);
  const pattern = template
    .split(/(\{date\}|\{time\}|\{n\}|\*)/)
    .map((part) => placeholders.get(part) ?? part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('');
  return new RegExp(`^${pattern}$`).test(name);
}
