import { sql, type Kysely } from 'kysely';
import type { PlatformDatabase } from '../store/schema';
import type { Store } from '../store/store';
import { fieldRowsIfValid, fieldVersioned, type FieldContext } from './sample-fields';

/** `codes[i]` of a sample whose value is a number (read it from `nums[i]`). */
export const NUMBER_VALUE = -1;
/** `codes[i]` of a sample with no value for the field (it takes the field's default, if any). */
export const NO_VALUE = -2;

/**
 * One field's value for every sample of a dataset, by sample index, as the store held them: what the
 * sample query filters, counts and bins in memory instead of joining index entries in SQL.
 */
export interface FieldColumn {
  /** Per sample: its value's position in `texts` (a value that is not a number), NUMBER_VALUE or NO_VALUE. Samples past the end have none. */
  codes: Int32Array;
  texts: string[];
  /** Per sample: its value when that is a number, else NaN (empty when the field holds no number). */
  nums: Float64Array;
  /** Samples holding a value, number or not. */
  valued: number;
  /** Smallest and largest number the field holds; null when it holds none. */
  extent: [number, number] | null;
}

// What a server keeps of field values at most by default, least recently used dropped first: ~12 bytes per sample
// and field (100,000 samples × 20 fields = 24 MB), so this holds every field of a few million-sample datasets.
const DEFAULT_BUDGET_MB = 256;

/** WINNOW_FIELD_COLUMNS_MB, else 256; 0 holds none (every query is answered in SQL). */
function budgetBytes(): number {
  const raw = process.env.WINNOW_FIELD_COLUMNS_MB;
  const mb = raw === undefined || raw.trim() === '' ? DEFAULT_BUDGET_MB : Number(raw);
  return (Number.isFinite(mb) && mb >= 0 ? mb : DEFAULT_BUDGET_MB) * 2 ** 20;
}

// Distinct values per synchronous SQLite read while reading a column (see readColumn).
const SQLITE_SLICE = 2048;

interface Entry {
  version: string;
  bytes: number;
  column: Promise<FieldColumn>;
}

/**
 * The field columns one store's server holds. A column is read again when its dataset's sample_value_versions
 * counter has moved (every write of its values raises it, in the writing transaction, whichever process writes), so
 * an answer is never older than the version read at its start.
 */
class FieldColumnCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  get(store: Pick<Store, 'db' | 'dialect'>, ctx: FieldContext, field: string, version: string, nSamples: number): Promise<FieldColumn> {
    const key = `${ctx.datasetId}\u0000${field}`;
    const held = this.entries.get(key);
    if (held !== undefined) {
      this.entries.delete(key);
      if (held.version === version) {
        this.entries.set(key, held); // most recently used last
        return held.column;
      }
      this.bytes -= held.bytes;
    }
    const entry: Entry = { version, bytes: nSamples * 12, column: readColumn(store, ctx, field, nSamples) };
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    entry.column.then(
      (column) => {
        const bytes = column.codes.byteLength + column.nums.byteLength + column.texts.reduce((sum, t) => sum + 2 * t.length + 32, 0);
        if (this.entries.get(key) === entry) this.bytes += bytes - entry.bytes;
        entry.bytes = bytes;
      },
      () => {
        if (this.entries.get(key) === entry) {
          this.entries.delete(key);
          this.bytes -= entry.bytes;
        }
      },
    );
    const budget = budgetBytes();
    for (const [k, e] of this.entries) {
      if (this.bytes <= budget || e === entry) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
    return entry.column;
  }
}

const caches = new WeakMap<object, FieldColumnCache>();

/** The dataset's sample_value_versions counter ('0' before its first write). */
export async function valuesVersion(db: Kysely<PlatformDatabase>, datasetId: string): Promise<string> {
  const row = await db.selectFrom('sample_value_versions').select('version').where('dataset_id', '=', datasetId).executeTakeFirst();
  return String(row?.version ?? 0);
}

/**
 * The columns of `fields` as the store holds them now (read again when the dataset's sample_value_versions counter
 * has moved since they were read), or null when they cannot be held in memory: a source that keeps no version, a
 * name that is not a valid field, or more than the budget. No fields: no read at all.
 */
export async function fieldColumns(store: Pick<Store, 'db' | 'dialect'>, ctx: FieldContext, fields: string[], nSamples: number): Promise<Map<string, FieldColumn> | null> {
  if (!fields.every((f) => fieldVersioned(f) && fieldRowsIfValid(f, ctx) !== null)) return null;
  const distinct = [...new Set(fields)];
  if (distinct.length === 0) return new Map();
  // Columns that would not fit the budget together are not read at all: SQL answers.
  if (distinct.length * nSamples * 12 > budgetBytes()) return null;
  const version = await valuesVersion(store.db, ctx.datasetId);
  let cache = caches.get(store.db);
  if (cache === undefined) caches.set(store.db, (cache = new FieldColumnCache()));
  const columns = await Promise.all(distinct.map((f) => (cache as FieldColumnCache).get(store, ctx, f, version, nSamples)));
  return new Map(distinct.map((f, k) => [f, columns[k]]));
}

async function readColumn(store: Pick<Store, 'db' | 'dialect'>, ctx: FieldContext, field: string, nSamples: number): Promise<FieldColumn> {
  const rows = fieldRowsIfValid(field, ctx);
  if (rows === null) throw new Error(`not a field: ${field}`);
  const codes = new Int32Array(nSamples).fill(NO_VALUE);
  let nums = new Float64Array(0);
  const texts: string[] = [];
  let valued = 0;
  let lo = Infinity;
  let hi = -Infinity;
  const setNumber = (idx: number, value: number) => {
    if (idx < 0 || idx >= nSamples || !Number.isFinite(value)) return;
    if (nums.length === 0) nums = new Float64Array(nSamples).fill(NaN);
    if (codes[idx] === NO_VALUE) valued++;
    codes[idx] = NUMBER_VALUE;
    nums[idx] = value;
    if (value < lo) lo = value;
    if (value > hi) hi = value;
  };
  const setText = (idx: number, code: number) => {
    if (idx < 0 || idx >= nSamples) return;
    if (codes[idx] === NO_VALUE) valued++;
    codes[idx] = code;
  };
  if (store.dialect === 'postgres') {
    // As a few long texts rather than a row per sample: pg builds an object per row (100,000 rows took ~100 ms), the
    // texts split in a few ms. Values that are not numbers come grouped (a category's samples in one list); numbers
    // as `idx value` pairs, float8 printed exactly (PostgreSQL 12+ prints the shortest text that reads back the same).
    const grouped = await sql<{ value: string; list: string }>`
      select r.text_value as value, string_agg(cast(r.sample_idx as text), ',') as list
      from (${rows}) r where r.num_value is null and r.text_value is not null group by r.text_value`.execute(store.db);
    for (const g of grouped.rows) {
      const code = texts.push(g.value) - 1;
      for (const idx of g.list.split(',')) setText(Number(idx), code);
    }
    const numbers = await sql<{ list: string | null }>`
      select string_agg(cast(r.sample_idx as text) || ' ' || cast(r.num_value as text), ',') as list from (${rows}) r where r.num_value is not null`.execute(store.db);
    const list = numbers.rows[0]?.list ?? null;
    if (list !== null && list !== '') {
      for (const pair of list.split(',')) {
        const space = pair.indexOf(' ');
        setNumber(Number(pair.slice(0, space)), Number(pair.slice(space + 1)));
      }
    }
  } else {
    // better-sqlite3 answers synchronously, so one read of 100,000 rows held the server's only thread for 160–340 ms
    // (a row per sample, each a table lookup): values come grouped instead, straight from the covering value indexes
    // (a category's samples as one list), 2,048 values per read with other requests let in between. At 100,000
    // samples: 8 categories 42 ms in one read; 1,000 numbers 40 + 49 ms; 100,000 distinct numbers 246 ms in 98 reads
    // of at most 6 ms.
    for (let after: number | null = null; ; ) {
      const read: { rows: { value: number; list: string }[] } = await sql<{ value: number; list: string }>`
        select r.num_value as value, group_concat(r.sample_idx) as list from (${rows}) r
        where r.num_value is not null${after === null ? sql`` : sql` and r.num_value > ${after}`}
        group by r.num_value order by r.num_value limit ${SQLITE_SLICE}`.execute(store.db);
      for (const g of read.rows) for (const idx of g.list.split(',')) setNumber(Number(idx), Number(g.value));
      if (read.rows.length < SQLITE_SLICE) break;
      after = Number(read.rows[read.rows.length - 1].value);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Every row's text, numbers' too (their text index covers no num_value): a sample already holding a number keeps
    // it. Skipped when every row is a number (one count over the index).
    const withText = await sql<{ n: number }>`select count(*) as n from (${rows}) r where r.text_value is not null`.execute(store.db);
    for (let after: string | null = null; Number(withText.rows[0]?.n ?? 0) > valued; ) {
      const read: { rows: { value: string; list: string }[] } = await sql<{ value: string; list: string }>`
        select r.text_value as value, group_concat(r.sample_idx) as list from (${rows}) r
        where r.text_value is not null${after === null ? sql`` : sql` and r.text_value > ${after}`}
        group by r.text_value order by r.text_value limit ${SQLITE_SLICE}`.execute(store.db);
      for (const g of read.rows) {
        let code = -1;
        for (const part of g.list.split(',')) {
          const idx = Number(part);
          if (idx < 0 || idx >= nSamples || codes[idx] !== NO_VALUE) continue;
          if (code < 0) code = texts.push(g.value) - 1;
          setText(idx, code);
        }
      }
      if (read.rows.length < SQLITE_SLICE) break;
      after = read.rows[read.rows.length - 1].value;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { codes, texts, nums, valued, extent: lo <= hi ? [lo, hi] : null };
}
