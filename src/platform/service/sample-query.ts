import { sql, type RawBuilder } from 'kysely';
import { InvalidInputError, NotFoundError } from '../../errors';
import { allOnesBitmask, bitmaskFromIndices, indicesOf } from './bitmask';
import { getDataset, type UserScope } from './datasets';
import { answerFromColumns, histogramBins, withDefault } from './column-query';
import { fieldColumns } from './field-columns';
import { fieldRangeIndexed, fieldRows, fieldValueCounts, type FieldContext } from './sample-fields';
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
// How long after an unfiltered query its fields' columns are read in the background (see queryFromColumns).
const PREFETCH_DELAY_MS = 1000;
// Up to this many bins a histogram without other filters is counted as index ranges, one subquery per bin.
const RANGE_COUNTED_BINS = 64;

interface Condition {
  /** The filtered field (null for tag and search): a facet on this field leaves the condition out. */
  field: string | null;
  sql: RawBuilder<unknown>;
  /** The passing samples' indices as a subquery, when the condition is just `s.idx in (that)`: facets use it directly. */
  indices?: RawBuilder<unknown>;
  /** The values a plain `values` filter (no default) lets through: its field's facet counts then give the total. */
  values?: string[];
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
  const fromColumns = await queryFromColumns(scope, ctx, dataset.nSamples, query);
  if (fromColumns !== null) return fromColumns;
  const rowsOf = (field: string, where: string) => fieldRows(field, ctx, where);
  // Samples with no value for the field take its default (the metadata configuration's fallback), as the web app shows them.
  const textDefault = (field: string) => (query.defaults?.[field] === undefined ? undefined : String(query.defaults[field]));
  const numberDefault = (field: string) => (typeof query.defaults?.[field] === 'number' ? (query.defaults[field] as number) : undefined);
  const withoutText = (rows: RawBuilder<unknown>) => sql`s.idx not in (select r.sample_idx from (${rows}) r where r.text_value is not null)`;
  const withoutNumber = (rows: RawBuilder<unknown>) => sql`s.idx not in (select r.sample_idx from (${rows}) r)`;
  // How many samples hold a value of a (checked) field, from its counted-ahead values; null when its source keeps none.
  const valuedCounts = new Map<string, Promise<number | null>>();
  const valuedCount = (field: string): Promise<number | null> => {
    let known = valuedCounts.get(field);
    if (known === undefined) {
      const counts = fieldValueCounts(field, ctx);
      known = counts === null ? Promise.resolve(null) : sql<{ n: number | string | null }>`select sum(c.n) as n from (${counts}) c`.execute(db).then((r) => num(r.rows[0]?.n ?? 0));
      valuedCounts.set(field, known);
    }
    return known;
  };
  // Every sample holds a value: no sample takes the field's default, so no pass looks for those that lack one.
  const everyValued = async (field: string) => (await valuedCount(field)) === dataset.nSamples;

  const conditions: Condition[] = [];
  if (query.tagId !== undefined && query.tagId !== '') {
    const condition = tagCondition(ctx, await tagMembers(scope, datasetId, query.tagId), dataset.nSamples);
    if (condition !== null) conditions.push({ field: null, sql: condition });
  }
  if (query.within !== undefined) {
    const condition = tagCondition(ctx, indicesOf(query.within).filter((i) => i < dataset.nSamples), dataset.nSamples);
    if (condition !== null) conditions.push({ field: null, sql: condition });
  }
  if (query.search !== undefined && query.search !== '') conditions.push({ field: null, sql: searchCondition(ctx, query.search) });
  for (const [i, filter] of (query.filters ?? []).entries()) {
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
        const withDefault = fallback !== undefined && filter.values.includes(fallback) && !(await everyValued(filter.field));
        conditions.push(withDefault ? { field: filter.field, sql: sql`(${has} or ${withoutText(rows)})` } : { field: filter.field, sql: has, indices, values: filter.values });
      }
    }
    if (filter.range !== undefined) {
      const [lo, hi] = filter.range;
      const bounds = [sql`r.num_value is not null`, ...(lo === null ? [] : [sql`r.num_value >= ${lo}`]), ...(hi === null ? [] : [sql`r.num_value <= ${hi}`])];
      const indices = sql`select r.sample_idx from (${rows}) r where ${sql.join(bounds, sql` and `)}`;
      const has = sql`s.idx in (${indices})`;
      const fallback = numberDefault(filter.field);
      const fallbackInside = fallback !== undefined && (lo === null || fallback >= lo) && (hi === null || fallback <= hi) && !(await everyValued(filter.field));
      conditions.push(fallbackInside ? { field: filter.field, sql: sql`(${has} or ${withoutNumber(rows)})` } : { field: filter.field, sql: has, indices });
    }
  }
  const where = (except?: string) => {
    const parts = [sql`s.dataset_id = ${datasetId}`, ...conditions.filter((c) => except === undefined || c.field !== except).map((c) => c.sql)];
    return sql.join(parts, sql` and `);
  };
  const othersOf = (field?: string) => conditions.filter((c) => field === undefined || c.field !== field);
  /**
   * The indices of the samples that pass every condition but `except`'s, as a subquery with one column `idx`. When
   * every condition is a field's index set, their intersection straight from the indexes, without a pass over the
   * samples table (each index set holds existing samples of this dataset only).
   */
  const passing = (except?: string) => {
    const others = othersOf(except);
    if (others.length > 0 && others.every((c) => c.indices !== undefined)) {
      return sql`select p.sample_idx as idx from (${sql.join(others.map((c) => c.indices as RawBuilder<unknown>), sql` intersect `)}) p`;
    }
    return sql`select s.idx from samples s where ${where(except)}`;
  };
  /** `r.sample_idx` among the samples the other filters let through; nothing to add when there are none. */
  const amongOthers = (field: string) => {
    const others = othersOf(field);
    if (others.length === 0) return sql``;
    // Only field filters: intersect their index sets directly, without a pass over the samples table.
    if (others.every((c) => c.indices !== undefined)) return sql.join(others.map((c) => sql` and r.sample_idx in (${c.indices})`), sql``);
    return sql` and r.sample_idx in (select s.idx from samples s where ${where(field)})`;
  };
  const countOf = async (sub: RawBuilder<unknown>) => num((await sql<{ n: number | string }>`select count(*) as n from (${sub}) c`.execute(db)).rows[0]?.n);
  // How many samples pass the conditions other than a field's own: the facet and histogram defaults need it. Asked at
  // most once per field; the total when the field has no condition of its own.
  const passingCounts = new Map<string, Promise<number>>();
  const passingCount = (field: string): Promise<number> => {
    if (!conditions.some((c) => c.field === field)) return totalKnown;
    let counted = passingCounts.get(field);
    if (counted === undefined) {
      counted = othersOf(field).length === 0 ? Promise.resolve(dataset.nSamples) : countOf(passing(field));
      passingCounts.set(field, counted);
    }
    return counted;
  };

  /**
   * A facet whose counts add up to the total, if one is asked for: a field without a filter of its own that every
   * sample holds (its counts under the other filters sum to the passing samples), or a field whose only filter is a
   * plain list of values (the passing samples are those counted under its values). Only fields with counted-ahead
   * values, whose store holds one value per sample and field.
   */
  async function totalFromFacet(): Promise<{ field: string; values?: Set<string> } | null> {
    for (const [i, field] of (query.facets ?? []).entries()) {
      fieldRows(field, ctx, `facets[${i}]`);
      if (fieldValueCounts(field, ctx) === null) continue;
      const own = conditions.filter((c) => c.field === field);
      if (own.length === 0 && (await everyValued(field))) return { field };
      if (own.length === 1 && own[0].values !== undefined) return { field, values: new Set(own[0].values) };
    }
    return null;
  }

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
    // Sorted here: sorting them in the query cost as much again as sending them.
    const indices = Array.from(Int32Array.from(await passingIndices(scope, ctx, passing())).sort());
    result.total = indices.length;
    result.members = bitmaskFromIndices(indices);
    pageIndices = indices.slice(offset, offset + size);
  }
  // The total, unless known already: in parallel with the page, facets and histograms (PostgreSQL runs them at once).
  // A facet asked for may give the total on the way (see totalFromFacet), saving a pass of its own.
  const deriving = query.members === true || conditions.length === 0 ? null : await totalFromFacet();
  let derived: (total: number | null) => void = () => undefined;
  const totalKnown: Promise<number> =
    query.members === true
      ? Promise.resolve(result.total)
      : conditions.length === 0
        ? Promise.resolve(dataset.nSamples)
        : deriving === null
          ? countOf(passing())
          : new Promise<number | null>((resolve) => (derived = resolve)).then((total) => total ?? countOf(passing()));
  const work: Promise<unknown>[] = [totalKnown.then((n) => (result.total = n))];

  if (size > 0 && (pageIndices === null || pageIndices.length > 0)) {
    type ItemRow = { idx: number | string; id: string; file_name: string };
    let page: Promise<ItemRow[]>;
    if (pageIndices !== null) {
      page = db.selectFrom('samples').select(['idx', 'id', 'file_name']).where('dataset_id', '=', datasetId).where('idx', 'in', pageIndices).orderBy('idx').execute();
    } else {
      // The page's positions from the passing indices (ordered by the (dataset, idx) index), then only its rows read.
      const positions =
        conditions.length === 0
          ? sql`select s.idx from samples s where s.dataset_id = ${datasetId} order by s.idx limit ${size} offset ${offset}`
          : sql`select p.idx from (${passing()}) p order by p.idx limit ${size} offset ${offset}`;
      page = sql<ItemRow>`select s.idx, s.id, s.file_name from samples s where s.dataset_id = ${datasetId} and s.idx in (${positions}) order by s.idx`.execute(db).then((r) => r.rows);
    }
    work.push(page.then((rows) => (result.items = rows.map((r) => ({ index: num(r.idx), id: r.id, fileName: r.file_name })))));
  }

  for (const [i, field] of (query.facets ?? []).entries()) {
    const rows = rowsOf(field, `facets[${i}]`);
    work.push(
      (async () => {
        // The window sum counts every sample with a value among the others (over all groups, before the limit), so the
        // samples without one, which take the default, are the passing samples less that: no second pass.
        // No filter but the field's own: its counted-ahead values, a few rows instead of a pass over every sample.
        const ahead = othersOf(field).length === 0 ? fieldValueCounts(field, ctx) : null;
        const counted = await sql<{ value: string; n: number | string; valued: number | string }>`${
          ahead === null
            ? sql`select r.text_value as value, count(*) as n, sum(count(*)) over () as valued from (${rows}) r where r.text_value is not null${amongOthers(field)}
                group by r.text_value`
            : sql`select c.text_value as value, sum(c.n) as n, sum(sum(c.n)) over () as valued from (${ahead}) c group by c.text_value`
        } order by n desc, value limit ${FACET_VALUES}`.execute(db);
        const counts = new Map(counted.rows.map((r) => [String(r.value), num(r.n)]));
        if (deriving !== null && deriving.field === field) {
          const { values } = deriving;
          if (values === undefined) derived(num(counted.rows[0]?.valued ?? 0));
          // Values past the listed ones (the most frequent FACET_VALUES) are not known here: then count.
          else if (counted.rows.length < FACET_VALUES || [...values].every((v) => counts.has(v))) derived([...values].reduce((sum, v) => sum + (counts.get(v) ?? 0), 0));
          else derived(null);
        }
        const fallback = textDefault(field);
        if (fallback !== undefined) {
          const missing = (await everyValued(field)) ? 0 : (await passingCount(field)) - num(counted.rows[0]?.valued);
          if (missing > 0) counts.set(fallback, (counts.get(fallback) ?? 0) + missing);
        }
        result.facets[field] = [...counts]
          .map(([value, count]) => ({ value, count }))
          .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
          .slice(0, FACET_VALUES);
      })(),
    );
  }

  for (const [i, h] of (query.histograms ?? []).entries()) {
    const rows = rowsOf(h.field, `histograms[${i}].field`);
    const bins = h.bins ?? DEFAULT_BINS;
    const fallback = numberDefault(h.field);
    work.push(
      (async () => {
        // No filter but the field's own: its counted-ahead values, a few rows instead of a pass over every sample.
        const ahead = othersOf(h.field).length === 0 ? fieldValueCounts(h.field, ctx) : null;
        let extent = h.extent ?? null;
        if (extent === null) {
          // Two scalar subqueries, so each is one step down the (dataset, key, value) index rather than a scan.
          const r = await sql<{ lo: number | null; hi: number | null }>`
            select (select min(r.num_value) from (${rows}) r) as lo, (select max(r.num_value) from (${rows}) r) as hi`.execute(db);
          const { lo, hi } = r.rows[0] ?? { lo: null, hi: null };
          extent = lo === null || hi === null ? null : [Number(lo), Number(hi)];
          if (fallback !== undefined && dataset.nSamples > ((await valuedCount(h.field)) ?? (await countOf(sql`select r.sample_idx from (${rows}) r`)))) {
            extent = withDefault(extent, fallback);
          }
        }
        const counts = new Array<number>(bins).fill(0);
        if (extent !== null) {
          const [lo, hi] = extent;
          const { scale, binOf } = histogramBins(lo, hi, bins);
          // SQLite has no floor() in every build; the bin of a value at or above `lo` is its truncation either way.
          const bin = ctx.dialect === 'postgres' ? sql`floor((r.num_value - ${lo}) * ${scale})::integer` : sql`cast((r.num_value - ${lo}) * ${scale} as integer)`;
          const countsDefault = fallback !== undefined && fallback >= lo && fallback <= hi;
          if (ctx.dialect === 'sqlite' && othersOf(h.field).length === 0 && bins <= RANGE_COUNTED_BINS && Number.isFinite(scale) && fieldRangeIndexed(h.field)) {
            // No other filter: each bin is one range of the value index, counted without reading the rows (SQLite
            // counts an index range without visiting rows; PostgreSQL's count visits them, so grouping is as fast).
            const edges = binEdges(lo, hi, bins);
            const inBin = edges.map((from, k) => {
              if (from === null) return sql`0`;
              const to = edges[k + 1] ?? null;
              const upper = to === null ? sql`r.num_value <= ${hi}` : sql`r.num_value < ${to}`;
              return sql`(select count(*) from (${rows}) r where r.num_value >= ${from} and ${upper})`;
            });
            const all = countsDefault ? [sql`(select count(*) from (${rows}) r) as valued`] : [];
            const row = (await sql<Record<string, number | string>>`select ${sql.join([...inBin.map((b, k) => sql`${b} as ${sql.ref(`b${k}`)}`), ...all])}`.execute(db)).rows[0] ?? {};
            for (let k = 0; k < bins; k++) counts[k] = num(row[`b${k}`]);
            if (countsDefault) counts[binOf(fallback)] += (await passingCount(h.field)) - num(row.valued);
            result.histograms[h.field] = { extent, counts };
            return;
          }
          // With a default inside the extent, every row is counted (bin -1: outside the extent or not a number), so the
          // samples without a row are the passing samples less the rows: no second pass.
          // Over the counted-ahead values (alias r too, so the bin is the same expression) each row stands for n samples.
          const [from, tally, among] = ahead === null ? [rows, sql`count(*)`, amongOthers(h.field)] : [ahead, sql`sum(r.n)`, sql``];
          const counted = countsDefault
            ? await sql<{ bin: number | string; n: number | string }>`
                select case when r.num_value >= ${lo} and r.num_value <= ${hi} then ${bin} else -1 end as bin, ${tally} as n from (${from}) r where 1 = 1${among} group by 1`.execute(db)
            : await sql<{ bin: number | string; n: number | string }>`
                select ${bin} as bin, ${tally} as n from (${from}) r where r.num_value >= ${lo} and r.num_value <= ${hi}${among} group by 1`.execute(db);
          let valued = 0;
          for (const r of counted.rows) {
            valued += num(r.n);
            if (num(r.bin) >= 0) counts[Math.min(bins - 1, num(r.bin))] += num(r.n);
          }
          if (countsDefault) counts[binOf(fallback)] += (await passingCount(h.field)) - valued;
        }
        result.histograms[h.field] = { extent, counts };
      })(),
    );
  }
  await Promise.all(work);
  // Keys in the order asked, whatever order the answers came in.
  result.facets = Object.fromEntries((query.facets ?? []).filter((f) => f in result.facets).map((f) => [f, result.facets[f]]));
  result.histograms = Object.fromEntries((query.histograms ?? []).filter((h) => h.field in result.histograms).map((h) => [h.field, result.histograms[h.field]]));
  return result;
}

/** The tag's members (sample indices); a 404 when the dataset has no such tag. */
async function tagMembers(scope: UserScope, datasetId: string, tagId: string): Promise<number[]> {
  const tag = await scope.store.db.selectFrom('tags').select('bit_mask_data').where('id', '=', tagId).where('dataset_id', '=', datasetId).executeTakeFirst();
  if (!tag) throw new NotFoundError('tag', tagId);
  return indicesOf(tag.bit_mask_data);
}

/** File name contains `search` (case-insensitive for ASCII), as SQL over `samples s`. */
function searchCondition(ctx: FieldContext, search: string): RawBuilder<unknown> {
  const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return ctx.dialect === 'postgres' ? sql`s.file_name ilike ${pattern} escape '\\'` : sql`s.file_name like ${pattern} escape '\\'`;
}

/**
 * The query answered over field columns held in memory (field-columns.ts, column-query.ts), when every field it
 * names keeps a version and something is filtered; else null, and the SQL path answers. An unfiltered query is
 * answered by the counted-ahead values in SQL, and reads the columns of the fields it counts in the background a
 * second later, so the first filter a curator sets finds them held.
 */
async function queryFromColumns(scope: UserScope, ctx: FieldContext, nSamples: number, query: SampleQuery): Promise<SampleQueryResult | null> {
  const { store } = scope;
  const filters = query.filters ?? [];
  const histograms = query.histograms ?? [];
  const fields = [...filters.map((f) => f.field), ...(query.facets ?? []), ...histograms.map((h) => h.field)];
  const hasTag = query.tagId !== undefined && query.tagId !== '';
  const hasSearch = query.search !== undefined && query.search !== '';
  if (!hasTag && !hasSearch && query.within === undefined && filters.length === 0) {
    if (fields.length > 0) {
      // Not awaited, and not at once: the unfiltered panel is asked while the page loads its first thumbnails, and
      // reading the columns then (~150 ms a field at 100,000 samples on SQLite) delayed them by as much. A failure
      // here shows again, with its error, on the first filtered query.
      setTimeout(() => void fieldColumns(store, ctx, fields, nSamples).catch(() => undefined), PREFETCH_DELAY_MS).unref();
    }
    return null;
  }
  // Malformed filters get the SQL path's errors.
  if (filters.some((f) => f.values === undefined && f.range === undefined)) return null;
  const columns = await fieldColumns(store, ctx, fields, nSamples);
  if (columns === null) return null;
  const masks: Uint8Array[] = [];
  const maskOf = (indices: Iterable<number>) => {
    const mask = new Uint8Array(nSamples);
    for (const i of indices) if (i >= 0 && i < nSamples) mask[i] = 1;
    masks.push(mask);
  };
  if (hasTag) maskOf(await tagMembers(scope, ctx.datasetId, query.tagId as string));
  if (query.within !== undefined) maskOf(indicesOf(query.within));
  if (hasSearch) {
    const matching = sql`select s.idx from samples s where s.dataset_id = ${ctx.datasetId} and ${searchCondition(ctx, query.search as string)}`;
    maskOf(await passingIndices(scope, ctx, matching));
  }
  const answer = answerFromColumns({
    nSamples,
    columns,
    masks,
    filters,
    defaults: query.defaults ?? {},
    facets: query.facets ?? [],
    histograms,
    facetValues: FACET_VALUES,
    defaultBins: DEFAULT_BINS,
  });
  const size = query.page?.size ?? 100;
  const offset = query.page?.offset ?? 0;
  const pageIndices = Array.from(answer.passing.subarray(offset, offset + size));
  const rows =
    size > 0 && pageIndices.length > 0
      ? await store.db.selectFrom('samples').select(['idx', 'id', 'file_name']).where('dataset_id', '=', ctx.datasetId).where('idx', 'in', pageIndices).orderBy('idx').execute()
      : [];
  return {
    total: answer.passing.length,
    items: rows.map((r) => ({ index: num(r.idx), id: r.id, fileName: r.file_name })),
    facets: answer.facets,
    histograms: answer.histograms,
    ...(query.members === true ? { members: bitmaskFromIndices(Array.from(answer.passing)) } : {}),
  };
}

/** The indices a subquery with one column `idx` gives, in no particular order. */
async function passingIndices(scope: UserScope, ctx: FieldContext, subquery: RawBuilder<unknown>): Promise<number[]> {
  if (ctx.dialect === 'postgres') {
    // As one text value: pg sends and parses a row per sample (50,000 rows took ~50 ms of a 110 ms query).
    const listed = await sql<{ list: string | null }>`select string_agg(cast(p.idx as text), ',') as list from (${subquery}) p`.execute(scope.store.db);
    const list = listed.rows[0]?.list ?? '';
    return list === '' ? [] : list.split(',').map(Number);
  }
  return (await sql<{ idx: number | string }>`select p.idx from (${subquery}) p`.execute(scope.store.db)).rows.map((r) => num(r.idx));
}

/**
 * Where each of `bins` equal-width bins over [lo, hi] starts: the smallest number whose bin, floor((v − lo) · scale)
 * in double arithmetic exactly as the SQL computes it, is at least k (bin 0 starts at lo); null when no number up to
 * hi reaches bin k. The bin is monotone in v, so a binary search over the doubles between lo and hi finds each edge,
 * and counting index ranges between edges gives the same counts as binning every row.
 *
 * @example
 * binEdges(0, 8, 4)  // → [0, 2, 4, 6]
 * binEdges(0, 10, 4) // → [0, 2.5, 5, 7.499999999999999] (that times 0.4 rounds to 3)
 */
export function binEdges(lo: number, hi: number, bins: number): (number | null)[] {
  const scale = bins / (hi - lo || 1);
  const binOf = (v: number) => Math.floor((v - lo) * scale);
  const edges: (number | null)[] = [lo];
  for (let k = 1; k < bins; k++) {
    if (binOf(hi) < k) {
      edges.push(null);
      continue;
    }
    let below = orderedKey(lo);
    let at = orderedKey(hi);
    while (at - below > 1n) {
      const mid = below + (at - below) / 2n;
      if (binOf(fromOrderedKey(mid)) >= k) at = mid;
      else below = mid;
    }
    edges.push(fromOrderedKey(at));
  }
  return edges;
}

// Doubles as integers in the same order (negative numbers by their negated magnitude), to step between neighbours.
const doubleView = new Float64Array(1);
const bitsView = new BigInt64Array(doubleView.buffer);
function orderedKey(value: number): bigint {
  doubleView[0] = value;
  const bits = bitsView[0];
  return bits >= 0n ? bits : -(bits & 0x7fffffffffffffffn);
}
function fromOrderedKey(key: bigint): number {
  bitsView[0] = key >= 0n ? key : BigInt.asIntN(64, -key | (1n << 63n));
  return doubleView[0];
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
