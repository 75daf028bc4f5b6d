import { sql, type RawBuilder } from 'kysely';
import { InvalidInputError } from '../../errors';
import type { StoreDialect } from '../store/store';
import { PREDICTION_FIELD_SOURCES } from './prediction-fields';

/** What a field's SQL needs to know besides its key. */
export interface FieldContext {
  dialect: StoreDialect;
  datasetId: string;
}

/**
 * A family of filterable fields. `rows` is an SQL SELECT with the columns `sample_idx`, `text_value` (the value as a
 * category; null if it has none) and `num_value` (as a number for ranges and histograms; null if none): one row per
 * sample of the dataset that has the field. Keys are bound as parameters, never spliced into the SQL. The query
 * filters with `s.idx in (select sample_idx … where text_value in …)` and counts with `group by text_value`, so the
 * SELECT should be served by an index on (dataset, key, value).
 */
export interface FieldSource {
  rows(key: string, ctx: FieldContext): RawBuilder<unknown>;
  /**
   * Whether an index serves a range of `num_value` for one key (rows ordered by value): then a histogram with no
   * other filter counts each bin as an index range instead of grouping every row.
   */
  rangeIndexed?: boolean;
  /**
   * The field's values over the whole dataset, counted ahead (kept on write): an SQL SELECT with the columns
   * `text_value`, `num_value` (as in `rows`) and `n`, the number of samples holding that value. When given, counts
   * that no filter narrows (the unfiltered panel, a field whose only filter is its own) read these few rows instead of
   * a pass over every sample's.
   */
  valueCounts?(key: string, ctx: FieldContext): RawBuilder<unknown>;
  /**
   * Whether every write of the field's rows raises the dataset's sample_value_versions counter in its transaction:
   * then a server may hold the field's values in memory (field-columns.ts) and filter and count them there.
   */
  versioned?: boolean;
}

/** A sample's custom metadata (Lightly's `customMetaData`) at a dot path, `metadata:weather.temperature`: its sample_values rows. */
const customMetadata: FieldSource = {
  rows: (key, { datasetId }) => sql`select sample_idx, text_value, num_value from sample_values where dataset_id = ${datasetId} and path = ${key}`,
  // sample_values_num_index: (dataset_id, path, num_value, sample_idx).
  rangeIndexed: true,
  valueCounts: (key, { datasetId }) => sql`select text_value, num_value, n from sample_value_counts where dataset_id = ${datasetId} and path = ${key}`,
  // writeSampleValues raises sample_value_versions.
  versioned: true,
};

/**
 * The fields a sample query can filter, count and histogram, by source: a field is named `<source>:<key>`
 * (`metadata:weather.temperature`). A new kind of field (predicted class, a score) is one entry here.
 */
export const FIELD_SOURCES: Record<string, FieldSource> = {
  metadata: customMetadata,
  ...PREDICTION_FIELD_SOURCES,
};

const KEY_PATTERN = /^[^".\\]+(\.[^".\\]+)*$/;
const hasControl = (key: string) => [...key].some((c) => c.charCodeAt(0) < 0x20);

/** Whether the field's source serves value ranges from an index (see FieldSource.rangeIndexed). */
export function fieldRangeIndexed(field: string): boolean {
  return sourceOf(field)?.rangeIndexed === true;
}

/** The field's source (`metadata` of `metadata:weather.temperature`), or undefined for an unknown one. */
function sourceOf(field: string): FieldSource | undefined {
  const source = field.slice(0, Math.max(0, field.indexOf(':')));
  return Object.hasOwn(FIELD_SOURCES, source) ? FIELD_SOURCES[source] : undefined;
}

/** The field's counted-ahead values (see FieldSource.valueCounts), or null when its source keeps none; a checked field. */
export function fieldValueCounts(field: string, ctx: FieldContext): RawBuilder<unknown> | null {
  const source = FIELD_SOURCES[field.slice(0, field.indexOf(':'))];
  return source.valueCounts === undefined ? null : source.valueCounts(field.slice(field.indexOf(':') + 1), ctx);
}

/** Whether the field's source keeps a version of its rows (see FieldSource.versioned); false for an unknown source. */
export function fieldVersioned(field: string): boolean {
  return sourceOf(field)?.versioned === true;
}

/** The field's rows as fieldRows gives them, or null where fieldRows would refuse the name. */
export function fieldRowsIfValid(field: string, ctx: FieldContext): RawBuilder<unknown> | null {
  try {
    return fieldRows(field, ctx, 'field');
  } catch {
    return null;
  }
}

/** `metadata:weather.temperature` → its rows; an unknown source or a malformed key is a 400 naming `where`. */
export function fieldRows(field: string, ctx: FieldContext, where: string): RawBuilder<unknown> {
  const colon = field.indexOf(':');
  const source = colon < 0 ? undefined : FIELD_SOURCES[field.slice(0, colon)];
  const key = field.slice(colon + 1);
  if (source === undefined || !Object.hasOwn(FIELD_SOURCES, field.slice(0, colon))) {
    throw new InvalidInputError({ file: 'body', column: where }, `unknown field ${JSON.stringify(field)}: give <source>:<key> with source one of ${Object.keys(FIELD_SOURCES).join(', ')}`);
  }
  if (!KEY_PATTERN.test(key) || hasControl(key)) {
    throw new InvalidInputError({ file: 'body', column: where }, `field ${JSON.stringify(field)}: the key must be a dot path without quotes, backslashes or empty parts`);
  }
  return source.rows(key, ctx);
}
