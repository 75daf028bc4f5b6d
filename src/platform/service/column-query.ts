import { NO_VALUE, NUMBER_VALUE, type FieldColumn } from './field-columns';

/** A sample filter as the sample query takes it (see SampleFilter in sample-query.ts). */
export interface ColumnFilter {
  field: string;
  values?: string[];
  range?: [number | null, number | null];
}

export interface ColumnQuery {
  nSamples: number;
  /** The field columns of every field below. */
  columns: Map<string, FieldColumn>;
  /** Conditions that are not a field's (tag, selection, file name search): 1 = the sample passes. */
  masks: Uint8Array[];
  filters: ColumnFilter[];
  defaults: Record<string, string | number | boolean>;
  facets: string[];
  histograms: { field: string; bins?: number; extent?: [number, number] }[];
  /** Values a facet lists at most, and the bins of a histogram that names none. */
  facetValues: number;
  defaultBins: number;
}

export interface ColumnAnswer {
  /** The passing samples' indices, ascending. */
  passing: Int32Array;
  facets: Record<string, { value: string; count: number }[]>;
  histograms: Record<string, { extent: [number, number] | null; counts: number[] }>;
}

/**
 * The sample query's filters, facets and histograms over field columns held in memory: a pass over typed arrays per
 * condition and per count, a few milliseconds at 100,000 samples where joining index entries in SQL took 100–300 ms.
 * The same answers as the SQL path (sample-query.ts) for the same store contents, defaults included: a sample with no
 * value for a field takes the field's default in its filters and counts.
 */
export function answerFromColumns(q: ColumnQuery): ColumnAnswer {
  const { nSamples } = q;
  const columnOf = (field: string) => q.columns.get(field) as FieldColumn;
  const conditions: { field: string | null; pass: Uint8Array }[] = q.masks.map((pass) => ({ field: null, pass }));
  for (const filter of q.filters) {
    const column = columnOf(filter.field);
    const fallback = q.defaults[filter.field];
    // Every sample holds a value: none takes the default.
    const someUnvalued = column.valued < nSamples;
    if (filter.values !== undefined) {
      const values = new Set(filter.values);
      const pass = new Uint8Array(nSamples);
      if (values.size > 0) {
        const textPasses = column.texts.map((t) => values.has(t));
        const defaultPasses = fallback !== undefined && values.has(String(fallback)) && someUnvalued;
        for (let i = 0; i < nSamples; i++) {
          const code = column.codes[i];
          pass[i] = code >= 0 ? (textPasses[code] ? 1 : 0) : code === NUMBER_VALUE ? (values.has(String(column.nums[i])) ? 1 : 0) : defaultPasses ? 1 : 0;
        }
      }
      conditions.push({ field: filter.field, pass });
    }
    if (filter.range !== undefined) {
      const lo = filter.range[0] ?? -Infinity;
      const hi = filter.range[1] ?? Infinity;
      const defaultPasses = typeof fallback === 'number' && fallback >= lo && fallback <= hi && someUnvalued;
      const pass = new Uint8Array(nSamples);
      for (let i = 0; i < nSamples; i++) {
        const code = column.codes[i];
        if (code === NUMBER_VALUE) {
          const v = column.nums[i];
          pass[i] = v >= lo && v <= hi ? 1 : 0;
        } else pass[i] = code === NO_VALUE && defaultPasses ? 1 : 0;
      }
      conditions.push({ field: filter.field, pass });
    }
  }

  // The samples passing every condition but a field's own, once per distinct field (null: every condition).
  const passMasks = new Map<string | null, Uint8Array | null>();
  const passOf = (except: string | null): Uint8Array | null => {
    const key = except !== null && conditions.some((c) => c.field === except) ? except : null;
    if (!passMasks.has(key)) {
      const others = conditions.filter((c) => key === null || c.field !== key);
      let pass: Uint8Array | null = null;
      if (others.length > 0) {
        pass = Uint8Array.from(others[0].pass);
        for (const c of others.slice(1)) for (let i = 0; i < nSamples; i++) pass[i] &= c.pass[i];
      }
      passMasks.set(key, pass);
    }
    return passMasks.get(key) as Uint8Array | null;
  };

  const all = passOf(null);
  let total = 0;
  if (all === null) total = nSamples;
  else for (let i = 0; i < nSamples; i++) total += all[i];
  const passing = new Int32Array(total);
  for (let i = 0, k = 0; i < nSamples; i++) if (all === null || all[i] === 1) passing[k++] = i;

  const facets: ColumnAnswer['facets'] = {};
  for (const field of q.facets) {
    const column = columnOf(field);
    const pass = passOf(field);
    const byCode = new Float64Array(column.texts.length);
    const byNumber = new Map<number, number>();
    let unvalued = 0;
    for (let i = 0; i < nSamples; i++) {
      if (pass !== null && pass[i] === 0) continue;
      const code = column.codes[i];
      if (code >= 0) byCode[code]++;
      else if (code === NUMBER_VALUE) byNumber.set(column.nums[i], (byNumber.get(column.nums[i]) ?? 0) + 1);
      else unvalued++;
    }
    // By the value as text, as the web app shows it (the string '2' and the number 2 count as one value there).
    const counts = new Map<string, number>();
    const add = (value: string, n: number) => counts.set(value, (counts.get(value) ?? 0) + n);
    column.texts.forEach((t, code) => byCode[code] > 0 && add(t, byCode[code]));
    for (const [v, n] of byNumber) add(String(v), n);
    const fallback = q.defaults[field];
    if (fallback !== undefined && unvalued > 0) add(String(fallback), unvalued);
    facets[field] = [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, q.facetValues);
  }

  const histograms: ColumnAnswer['histograms'] = {};
  for (const h of q.histograms) {
    const column = columnOf(h.field);
    const bins = h.bins ?? q.defaultBins;
    const fallback = typeof q.defaults[h.field] === 'number' ? (q.defaults[h.field] as number) : undefined;
    const extent = h.extent ?? (fallback !== undefined && column.valued < nSamples ? withDefault(column.extent, fallback) : column.extent);
    const counts = new Array<number>(bins).fill(0);
    if (extent !== null) {
      const [lo, hi] = extent;
      const { binOf } = histogramBins(lo, hi, bins);
      const pass = passOf(h.field);
      let unvalued = 0;
      for (let i = 0; i < nSamples; i++) {
        if (pass !== null && pass[i] === 0) continue;
        const code = column.codes[i];
        if (code === NUMBER_VALUE) {
          const v = column.nums[i];
          if (v >= lo && v <= hi) counts[binOf(v)]++;
        } else if (code === NO_VALUE) unvalued++;
      }
      if (fallback !== undefined && fallback >= lo && fallback <= hi) counts[binOf(fallback)] += unvalued;
    }
    histograms[h.field] = { extent, counts };
  }
  return { passing, facets, histograms };
}

/** The extent of a field's numbers widened to its default, which the samples without a value take. */
export function withDefault(extent: [number, number] | null, fallback: number): [number, number] {
  return extent === null ? [fallback, fallback] : [Math.min(extent[0], fallback), Math.max(extent[1], fallback)];
}

/**
 * Equal-width bins over [lo, hi]: `scale`, and the bin of a value as floor((v − lo) · scale) in double arithmetic
 * (exactly as the SQL path computes it), clamped so that hi falls in the last bin.
 */
export function histogramBins(lo: number, hi: number, bins: number): { scale: number; binOf: (v: number) => number } {
  const scale = bins / (hi - lo || 1);
  return { scale, binOf: (v: number) => Math.min(bins - 1, Math.max(0, Math.floor((v - lo) * scale))) };
}
