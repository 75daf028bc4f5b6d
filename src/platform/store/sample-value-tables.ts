/**
 * Every leaf of a sample's custom metadata as a row (`weather.temperature` → text '21.5', number 21.5), kept beside
 * `samples.custom_meta_data` so the sample query filters, counts and histograms through indexes instead of parsing
 * JSON in every row.
 */
export interface SampleValuesTable {
  dataset_id: string;
  sample_idx: number | string;
  /** Dot path into customMetaData. */
  path: string;
  /** The value as the web app shows it: strings as they are, numbers and booleans as JavaScript's String() writes them. */
  text_value: string;
  /** The value when it is a number, else null. */
  num_value: number | null;
}

/**
 * How many samples of a dataset hold each value at a path (sample_values grouped), kept in step with sample_values by
 * writeSampleValues: the filter panel's unfiltered counts without a pass over every sample.
 */
export interface SampleValueCountsTable {
  dataset_id: string;
  path: string;
  /** 1 when the value is a number (num_value set), else 0. */
  is_number: number;
  text_value: string;
  num_value: number | null;
  n: number | string;
}

/**
 * A counter per dataset raised by every write of its sample_values (see writeSampleValues): whether values held in
 * memory are still those stored. A dataset without a row is at version 0.
 */
export interface SampleValueVersionsTable {
  dataset_id: string;
  version: number | string;
}

export interface SampleValueTables {
  sample_values: SampleValuesTable;
  sample_value_counts: SampleValueCountsTable;
  sample_value_versions: SampleValueVersionsTable;
}
