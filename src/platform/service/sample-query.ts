import { sql, type RawBuilder } from 'kysely';
import { InvalidInputError, NotFoundError } from '../../errors';
import { allOnesBitmask, bitmaskFromIndices, indicesOf } from './bitmask';
import { getDataset, type UserScope } from './datasets';
import { fieldRows, type FieldContext } from './sample-fields';
import { num } from './rows';

/** One filter of a sample query: the field's value must be one of `values`, or within `range` (ends inclusive, null = open). */
export interface SampleFilter {
  field: string;
  values?: string[];
  range?: [number | null, number | null];
}

/**
 * What Explore asks the server: which samples pass (tag, file name search, filters), a page of them in dataset order,
 * and the counts behind the filter panel.
 */
export interface SampleQuery {
  tagId?: string;
  /** Only these samples (a Lightly bitmask: bit k = sample k), e.g. the client's selection. */
  within?: string;
  /** File name contains this text (case-insensitive for ASCII). */
  search?: string;
  filters?: SampleFilter[];
  /** Value a field takes where a sample has none (the metadata configuration's default). */
  defaults?: Record<string, string | number | boolean>;
  /** Categorical fields to count: top values, each counted under every active filter except the field's own. */
  facets?: string[];
  /** Numeric fields to histogram (equal-width bins over `extent`, else over the whole dataset), under the other filters. */
  histograms?: { field: string; bins?: number; extent?: [number, number] }[];
  /** Items in dataset order: `offset` into the matching samples (default 0), `size` (default 100, 0 = none). */
  page?: { offset?: number; size?: number };
  /** Also answer every matching sample as a Lightly bitmask (bit k = sample k), e.g. to select them all. */
  members?: boolean;
}

export interface SampleQueryResult {
  total: number;
  items: { index: number; id: string; fileName: string }[];
  facets: Record<string, { value: string; count: number }[]>;
  histograms: Record<string, { extent: [number, number] | null; counts: number[] }>;
  members?: string;
}

// Values a facet lists, most frequent first: more would not fit a checkbox list anyway.
const FACET_VALUES = 50;
const DEFAULT_BINS = 24;

interface Condition {
  /** The filtered field (null for tag and search): a facet on this field leaves the condition out. */
  field: string | null;
  sql: RawBuilder<unknown>;
  /** The passing samples' indices as a subquery, when the condition is just `s.idx in (that)`: facets use it directly. */
  indices?: RawBuilder<unknown>;
}

/**
 * Filters, counts and pages a dataset's samples in the store (SQLite or PostgreSQL), so a client never holds the
 * whole dataset: Explore at 100,000 samples asks for the ~100 it shows.
 *
 * @example
 * await querySamples(scope, datasetId, {
 *   filters: [{ field: 'metadata:subject', values: ['chelsea'] }, { field: 'metadata:photo.brightness', range: [60, null] }],
 *   facets: ['metadata:subject'], histograms: [{ field: 'metadata:photo.brightness' }], page: { size: 2 },
 * })
 * // → { total: 412, items: [{ index: 12, id: '…', fileName: 'chelsea/chelsea_whole_00000.jpg' }, …],
 * //     facets: { 'metadata:subject': [{ value: 'chelsea', count: 412 }, { value: 'coffee', count: 396 }, …] },
 * //     histograms: { 'metadata:photo.brightness': { extent: [12.5, 201.3], counts: [0, 0, …, 38, 51, …] } } }
 */
export async function querySamples(scope: UserScope, datasetId: string, query: SampleQuery): Promise<SampleQueryResult> {
  const dataset = await getDataset(scope, datasetId);
  const { db } = scope.store;
  const ctx: FieldContext = { dialect: scope.store.dialect, datasetId };
  const rowsOf = (field: string, where: string) => fieldRows(field, ctx, where);
  // Samples with no value for the field take its default (the metadata configuration's fallback), as the web app shows them.
  const textDefault = (field: string) => (query.defaults?.[field] === undefined ? undefined : String(query.defaults[field]));
  const numberDefault = (field: string) => (typeof query.defaults?.[field] === 'number' ? (query.defaults[field] as number) : undefined);
  const withoutText = (rows: RawBuilder<unknown>) => sql`s.idx not in (select r.sample_idx from (${rows}) r where r.text_value is not null)`;
  const withoutNumber = (rows: RawBuilder<unknown>) => sql`s.idx not in (select r.sample_idx from (${rows}) r)`;

  const conditions: Condition[] = [];
  if (query.tagId !== undefined && query.tagId !== '') {
    const tag = await db.selectFrom('tags').select('bit_mask_data').where('id', '=', query.tagId).where('dataset_id', '=', datasetId).executeTakeFirst();
    if (!tag) throw new NotFoundError('tag', query.tagId);
    const condition = tagCondition(ctx, indicesOf(tag.bit_mask_data), dataset.nSamples);
    if (condition !== null) conditions.push({ field: null, sql: condition });
  }
  if (query.within !== undefined) {
    const condition = tagCondition(ctx, indicesOf(query.within).filter((i) => i < dataset.nSamples), dataset.nSamples);
    if (condition !== null) conditions.push({ field: null, sql: condition });
  }
  if (query.search !== undefined && query.search !== '') {
    const pattern = `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push({ field: null, sql: ctx.dialect === 'postgres' ? sql`s.file_name ilike ${pattern} escape '\\'` : sql`s.file_name like ${pattern} escape '\\'` });
  }
  (query.filters ?? []).forEach((filter, i) => {
    const where = `filters[${i}]`;
    if (filter.values === undefined && filter.range === undefined) {
      throw new InvalidInputError({ file: 'body', column: where }, 'give values or range');
    }
    const rows = rowsOf(filter.field, `${where}.field`);
    if (filter.values !== undefined) {
      const fallback = textDefault(filter.field);
      if (filter.values.length === 0) {
        conditions.push({ field: filter.field, sql: sql`1 = 0` });
      } else {
        const indices = sql`select r.sample_idx from (${rows}) r where r.text_value in (${sql.join(filter.values)})`;
        const has = sql`s.idx in (${indices})`;
        conditions.push(fallback !== undefined && filter.values.includes(fallback) ? { field: filter.field, sql: sql`(${has} or ${withoutText(rows)})` } : { field: filter.field, sql: has, indices });
      }
    }
    if (filter.range !== undefined) {
      const [lo, hi] = filter.range;
      const bounds = [sql`r.num_value is not null`, ...(lo === null ? [] : [sql`r.num_value >= ${lo}`]), ...(hi === null ? [] : [sql`r.num_value <= ${hi}`])];
      const indices = sql`select r.sample_idx from (${rows}) r where ${sql.join(bounds, sql` and `)}`;
      const has = sql`s.idx in (${indices})`;
      const fallback = numberDefault(filter.field);
      const fallbackInside = fallback !== undefined && (lo === null || fallback >= lo) && (hi === null || fallback <= hi);
      conditions.push(fallbackInside ? { field: filter.field, sql: sql`(${has} or ${withoutNumber(rows)})` } : { field: filter.field, sql: has, indices });
    }
  });
  const where = (except?: string) => {
    const parts = [sql`s.dataset_id = ${datasetId}`, ...conditions.filter((c) => except === undefined || c.field !== except).map((c) => c.sql)];
    return sql.join(parts, sql` and `);
  };
  /** `r.sample_idx` among the samples the other filters let through; nothing to add when there are none. */
  const amongOthers = (field: string) => {
    const others = conditions.filter((c) => c.field !== field);
    if (others.length === 0) return sql``;
    // Only field filters: intersect their index sets directly, without a pass over the samples table.
    if (others.every((c) => c.indices !== undefined)) return sql.join(others.map((c) => sql` and r.sample_idx in (${c.indices})`), sql``);
    return sql` and r.sample_idx in (select s.idx from samples s where ${where(field)})`;
  };
  const countWhere = async (extra: RawBuilder<unknown>, except?: string) =>
    num((await sql<{ n: number | string }>`select count(*) as n from samples s where ${where(except)} and ${extra}`.execute(db)).rows[0]?.n);

  const size = query.page?.size ?? 100;
  const offset = query.page?.offset ?? 0;
  const result: SampleQueryResult = { total: 0, items: [], facets: {}, histograms: {} };
  let pageIndices: number[] | null = null;
  if (query.members === true && conditions.length === 0) {
    // Every sample passes, and dataset order is 0…n−1: no scan needed for the bitmask or the page.
    result.total = dataset.nSamples;
    result.members = allOnesBitmask(dataset.nSamples);
    pageIndices = Array.from({ length: Math.max(0, Math.min(size, dataset.nSamples - offset)) }, (_, k) => offset + k);
  } else if (query.members === true) {
    // One scan gives the count, the page and the bitmask; the page's rows are then read by their (indexed) position.
    const rows = await sql<{ idx: number | string }>`select s.idx from samples s where ${where()} order by s.idx`.execute(db);
    const indices = rows.rows.map((r) => num(r.idx));
    result.total = indices.length;
    result.members = bitmaskFromIndices(indices);
    pageIndices = indices.slice(offset, offset + size);
  } else {
    result.total = conditions.length === 0 ? dataset.nSamples : await countWhere(sql`1 = 1`);
  }
  if (size > 0 && (pageIndices === null || pageIndices.length > 0)) {
    const rows =
      pageIndices === null
        ? await sql<{ idx: number | string; id: string; file_name: string }>`select s.idx, s.id, s.file_name from samples s where ${where()} order by s.idx limit ${size} offset ${offset}`.execute(db)
        : await db.selectFrom('samples').select(['idx', 'id', 'file_name']).where('dataset_id', '=', datasetId).where('idx', 'in', pageIndices).orderBy('idx').execute().then((r) => ({ rows: r }));
    result.items = rows.rows.map((r) => ({ index: num(r.idx), id: r.id, fileName: r.file_name }));
  }

  for (const [i, field] of (query.facets ?? []).entries()) {
    const rows = rowsOf(field, `facets[${i}]`);
    const counted = await sql<{ value: string; n: number | string }>`
      select r.text_value as value, count(*) as n from (${rows}) r where r.text_value is not null${amongOthers(field)}
      group by r.text_value order by n desc, value limit ${FACET_VALUES}`.execute(db);
    const counts = new Map(counted.rows.map((r) => [String(r.value), num(r.n)]));
    const fallback = textDefault(field);
    if (fallback !== undefined) {
      const missing = await countWhere(withoutText(rows), field);
      if (missing > 0) counts.set(fallback, (counts.get(fallback) ?? 0) + missing);
    }
    result.facets[field] = [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, FACET_VALUES);
  }

  for (const [i, h] of (query.histograms ?? []).entries()) {
    const rows = rowsOf(h.field, `histograms[${i}].field`);
    const bins = h.bins ?? DEFAULT_BINS;
    const fallback = numberDefault(h.field);
    let extent = h.extent ?? null;
    if (extent === null) {
      const r = await sql<{ lo: number | null; hi: number | null }>`select min(r.num_value) as lo, max(r.num_value) as hi from (${rows}) r`.execute(db);
      const { lo, hi } = r.rows[0] ?? { lo: null, hi: null };
      extent = lo === null || hi === null ? null : [Number(lo), Number(hi)];
      const missing = async () => num((await sql<{ n: number | string }>`select count(*) as n from samples s where s.dataset_id = ${datasetId} and ${withoutNumber(rows)}`.execute(db)).rows[0]?.n);
      if (fallback !== undefined && (await missing()) > 0) extent = extent === null ? [fallback, fallback] : [Math.min(extent[0], fallback), Math.max(extent[1], fallback)];
    }
    const counts = new Array<number>(bins).fill(0);
    if (extent !== null) {
      const [lo, hi] = extent;
      const scale = bins / (hi - lo || 1);
      const binOf = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor((v - lo) * scale)));
      // SQLite has no floor() in every build; the bin of a value at or above `lo` is its truncation either way.
      const bin = ctx.dialect === 'postgres' ? sql`floor((r.num_value - ${lo}) * ${scale})::integer` : sql`cast((r.num_value - ${lo}) * ${scale} as integer)`;
      const counted = await sql<{ bin: number | string; n: number | string }>`
        select ${bin} as bin, count(*) as n from (${rows}) r where r.num_value >= ${lo} and r.num_value <= ${hi}${amongOthers(h.field)} group by 1`.execute(db);
      for (const r of counted.rows) counts[Math.min(bins - 1, Math.max(0, num(r.bin)))] += num(r.n);
      if (fallback !== undefined && fallback >= lo && fallback <= hi) counts[binOf(fallback)] += await countWhere(withoutNumber(rows), h.field);
    }
    result.histograms[h.field] = { extent, counts };
  }
  return result;
}

/**
 * The samples of a tag as SQL: `s.idx` in the member list, bound as one parameter (a JSON array on SQLite, an int[]
 * on PostgreSQL), or not in the complement when that is shorter; null when the tag holds every sample.
 */
function tagCondition(ctx: FieldContext, members: number[], nSamples: number): RawBuilder<unknown> | null {
  if (members.length >= nSamples) return null;
  let list = members;
  let negate = false;
  if (members.length > nSamples / 2) {
    const inTag = new Uint8Array(nSamples);
    for (const i of members) inTag[i] = 1;
    list = [];
    for (let i = 0; i < nSamples; i++) if (inTag[i] === 0) list.push(i);
    negate = true;
  }
  const set = ctx.dialect === 'postgres' ? sql`s.idx = any(${list}::integer[])` : sql`s.idx in (select value from json_each(${JSON.stringify(list)}))`;
  return negate ? sql`not (${set})` : set;
}
