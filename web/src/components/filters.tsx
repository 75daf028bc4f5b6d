import { useMemo } from 'react';
import type { SampleData } from '../api';
import { distinctValues, isNumericField, numericExtent, type Filters, type MetadataField } from '../dataset-data';

/** Filters built from the configured metadata: a min/max range for numbers, checkboxes for strings and booleans. */
export function FilterPanel({
  samples,
  fields,
  filters,
  onChange,
}: {
  samples: SampleData[];
  fields: MetadataField[];
  filters: Filters;
  onChange: (filters: Filters) => void;
}) {
  if (fields.length === 0) {
    return (
      <p className="hint">
        No metadata is configured yet. Add fields in the <a href={window.location.hash.replace(/\/[^/]*$/, '/configurator')}>Configurator</a>.
      </p>
    );
  }
  return (
    <div className="filters">
      {fields.map((field) =>
        isNumericField(field) ? (
          <RangeFilter key={field.path} samples={samples} field={field} filters={filters} onChange={onChange} />
        ) : field.valueDataType === 'OTHER_STRING' ? null : (
          <ValueFilter key={field.path} samples={samples} field={field} filters={filters} onChange={onChange} />
        ),
      )}
      <button type="button" className="small" onClick={() => onChange({ ranges: {}, values: {} })}>
        Clear filters
      </button>
    </div>
  );
}

function RangeFilter({ samples, field, filters, onChange }: { samples: SampleData[]; field: MetadataField; filters: Filters; onChange: (f: Filters) => void }) {
  const extent = useMemo(() => numericExtent(samples, field), [samples, field]);
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
  return (
    <fieldset className="filter">
      <legend>{field.name}</legend>
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

function ValueFilter({ samples, field, filters, onChange }: { samples: SampleData[]; field: MetadataField; filters: Filters; onChange: (f: Filters) => void }) {
  const values = useMemo(() => distinctValues(samples, field), [samples, field]);
  const allowed = filters.values[field.path];
  const toggle = (value: string, on: boolean) => {
    const current = new Set(allowed ?? values.map((v) => v.value));
    if (on) current.add(value);
    else current.delete(value);
    const next = { ...filters.values };
    if (current.size === values.length) delete next[field.path];
    else next[field.path] = [...current];
    onChange({ ...filters, values: next });
  };
  return (
    <fieldset className="filter">
      <legend>{field.name}</legend>
      {values.map(({ value, count }) => (
        <label key={value} className="check">
          <input type="checkbox" checked={allowed === undefined || allowed.includes(value)} onChange={(e) => toggle(value, e.target.checked)} />
          {value} <span className="count">({count.toLocaleString()})</span>
        </label>
      ))}
    </fieldset>
  );
}
