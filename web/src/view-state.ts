import { currentRoute, setParams } from './router';
import type { Filters } from './dataset-data';

/**
 * The Explore view as URL parameters, so filters survive tab switches, reloads and links:
 * `r.<path>=[lo,hi]` for a numeric range, `v.<path>=["a","b"]` for the allowed values of a category, `tag=<id>`.
 */
export function filtersFromParams(params: URLSearchParams): Filters {
  const filters: Filters = { ranges: {}, values: {} };
  for (const [key, value] of params) {
    try {
      if (key.startsWith('r.')) {
        const range = JSON.parse(value) as unknown;
        if (Array.isArray(range) && range.length === 2 && range.every((n) => typeof n === 'number')) filters.ranges[key.slice(2)] = [range[0], range[1]];
      } else if (key.startsWith('v.')) {
        const values = JSON.parse(value) as unknown;
        if (Array.isArray(values)) filters.values[key.slice(2)] = values.map(String);
      }
    } catch {
      // A hand-edited link with a broken filter drops that filter rather than the whole view.
    }
  }
  return filters;
}

/** Replaces the filters in the URL (other parameters stay). */
export function setFilterParams(filters: Filters): void {
  const changes: Record<string, string | null> = {};
  for (const key of currentRoute().params.keys()) if (key.startsWith('r.') || key.startsWith('v.')) changes[key] = null;
  for (const [path, range] of Object.entries(filters.ranges)) changes[`r.${path}`] = JSON.stringify(range);
  for (const [path, values] of Object.entries(filters.values)) changes[`v.${path}`] = JSON.stringify(values);
  setParams(changes);
}

/** The parameters that describe what is shown (filters, name search, tag, selection), carried over when switching tabs. */
export function viewParams(params: URLSearchParams): URLSearchParams {
  const kept = new URLSearchParams();
  for (const [key, value] of params) if (key === 'tag' || key === 'only' || key === 'q' || key === 'sel' || key.startsWith('r.') || key.startsWith('v.')) kept.append(key, value);
  return kept;
}
