import { useMemo } from 'react';
import { isNumericField, NO_FILTERS, type Filters, type MetadataField } from '../dataset-data';
import { fieldId, type ServerView } from '../sample-query';

/** What the server counted for the panel: facets and histograms under the other filters, values and extents overall. */
export type FilterCounts = Pick<ServerView, 'facets' | 'histograms' | 'allValues' | 'extents' | 'panelLoading'>;

/**
 * Filters built from the configured metadata: a range with a histogram for numbers, checkboxes with "only" and
 * "none" for strings and booleans. Every count and histogram reflects the *other* active filters (and the tag); the
 * server counts them (POST …/samples/query).
 */
export function FilterPanel({
  counts,
  fields,
  filters,
  onChange,
  configuratorHref,
}: {
  counts: FilterCounts;
  fields: MetadataField[];
  filters: Filters;
  onChange: (filters: Filters) => void;
  configuratorHref: string;
}) {
  if (fields.length === 0) {
    return (
      <p className="hint">
        No metadata is configured yet. Add fields in the <a href={configuratorHref}>Configurator</a>.
      </p>
    );
  }
  const active = Object.keys(filters.ranges).length + Object.keys(filters.values).length;
  return (
    <div className="filters" aria-busy={counts.panelLoading} data-testid="filter-panel">
      <div className="filters-head">
        <button type="button" className="small" disabled={active === 0} onClick={() => onChange(NO_FILTERS)}>
          Clear filters{active > 0 ? ` (${active})` : ''}
        </button>
      </div>
      {fields.map((field) =>
        isNumericField(field) ? (
          <RangeFilter key={field.path} counts={counts} field={field} filters={filters} onChange={onChange} />
        ) : field.valueDataType === 'OTHER_STRING' ? null : (
          <ValueFilter key={field.path} counts={counts} field={field} filters={filters} onChange={onChange} />
        ),
      )}
    </div>
  );
}

interface FilterProps {
  counts: FilterCounts;
  field: MetadataField;
  filters: Filters;
  onChange: (f: Filters) => void;
}

function RangeFilter({ counts, field, filters, onChange }: FilterProps) {
  const extent = counts.extents[fieldId(field)] ?? null;
  const bins = counts.histograms[fieldId(field)]?.counts ?? [];
  const passing = bins.reduce((a, b) => a + b, 0);
  if (extent === null) return null;
  const [lo, hi] = filters.ranges[field.path] ?? extent;
  const integer = field.valueDataType === 'NUMERIC_INT';
  const step = integer ? 1 : Math.max((extent[1] - extent[0]) / 200, 1e-6);
  const set = (range: [number, number]) => {
    const ranges = { ...filters.ranges };
    if (range[0] <= extent[0] && range[1] >= extent[1]) delete ranges[field.path];
    else ranges[field.path] = range;
    onChange({ ...filters, ranges });
  };
  const id = `range-${field.path.replace(/\W/g, '-')}`;
  const round = (v: number) => (integer ? Math.round(v) : Math.round(v * 1000) / 1000);
  const tallest = Math.max(1, ...bins);
  const span = extent[1] - extent[0] || 1;
  return (
    <fieldset className="filter">
      <legend>{field.name}</legend>
      <div className="histogram" role="img" aria-label={`Histogram of ${field.name}: ${passing.toLocaleString()} samples between ${round(extent[0])} and ${round(extent[1])}`}>
        {bins.map((count, k) => {
          const binLo = extent[0] + (k / bins.length) * span;
          const binHi = extent[0] + ((k + 1) / bins.length) * span;
          const inside = binHi >= lo && binLo <= hi;
          return <span key={k} className={inside ? 'bar in' : 'bar'} style={{ height: `${(count / tallest) * 100}%` }} title={`${round(binLo)}–${round(binHi)}: ${count}`} />;
        })}
      </div>
      <div className="range-row">
        <label htmlFor={`${id}-min`}>Minimum {field.name}</label>
        <input
          id={`${id}-min`}
          type="number"
          step={integer ? 1 : 'any'}
          value={round(lo)}
          onChange={(e) => e.target.value !== '' && set([Number(e.target.value), hi])}
        />
        <input
          type="range"
          aria-label={`Minimum ${field.name} slider`}
          min={extent[0]}
          max={extent[1]}
          step={step}
          value={lo}
          onChange={(e) => set([Math.min(Number(e.target.value), hi), hi])}
        />
      </div>
      <div className="range-row">
        <label htmlFor={`${id}-max`}>Maximum {field.name}</label>
        <input
          id={`${id}-max`}
          type="number"
          step={integer ? 1 : 'any'}
          value={round(hi)}
          onChange={(e) => e.target.value !== '' && set([lo, Number(e.target.value)])}
        />
        <input
          type="range"
          aria-label={`Maximum ${field.name} slider`}
          min={extent[0]}
          max={extent[1]}
          step={step}
          value={hi}
          onChange={(e) => set([lo, Math.max(Number(e.target.value), lo)])}
        />
      </div>
      <p className="hint">
        {round(extent[0])} – {round(extent[1])}
      </p>
    </fieldset>
  );
}

function ValueFilter({ counts: panel, field, filters, onChange }: FilterProps) {
  const all = panel.allValues[fieldId(field)] ?? [];
  const facet = panel.facets[fieldId(field)];
  const counts = useMemo(() => new Map((facet ?? []).map((c) => [c.value, c.count])), [facet]);
  const allowed = filters.values[field.path];
  const setAllowed = (values: string[] | null) => {
    const next = { ...filters.values };
    if (values === null || values.length === all.length) delete next[field.path];
    else next[field.path] = values;
    onChange({ ...filters, values: next });
  };
  const toggle = (value: string, on: boolean) => {
    const current = new Set(allowed ?? all.map((v) => v.value));
    if (on) current.add(value);
    else current.delete(value);
    setAllowed([...current]);
  };
  return (
    <fieldset className="filter">
      <legend>{field.name}</legend>
      <div className="facet-actions">
        <button type="button" className="small" onClick={() => setAllowed(null)} aria-label={`All ${field.name}`}>
          All
        </button>
        <button type="button" className="small" onClick={() => setAllowed([])} aria-label={`None of ${field.name}`}>
          None
        </button>
      </div>
      {all.map(({ value }) => (
        <div key={value} className="facet-row">
          <label className="check">
            <input type="checkbox" checked={allowed === undefined || allowed.includes(value)} onChange={(e) => toggle(value, e.target.checked)} />
            {value} <span className="count">({(counts.get(value) ?? 0).toLocaleString()})</span>
          </label>
          <button type="button" className="link only" onClick={() => setAllowed([value])} aria-label={`Only ${value}`}>
            only
          </button>
        </div>
      ))}
    </fieldset>
  );
}
