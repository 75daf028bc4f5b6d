/**
 * The leaves of a custom metadata object as sample_values rows:
 * `{"weather":{"temperature":21.5,"sunny":true},"tags":["a"]}` → `[{ path: 'weather.temperature', text_value: '21.5',
 * num_value: 21.5 }, { path: 'weather.sunny', text_value: 'true', num_value: null }]` (arrays and nulls have no row, nor
 * strings holding NUL, which PostgreSQL text cannot store).
 */
export function flattenCustomMetadata(value: unknown): { path: string; text_value: string; num_value: number | null }[] {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  const out: { path: string; text_value: string; num_value: number | null }[] = [];
  const walk = (v: unknown, prefix: string) => {
    if (v === null || v === undefined || Array.isArray(v)) return;
    if (typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) if (k !== '' && !k.includes('.')) walk(child, prefix === '' ? k : `${prefix}.${k}`);
      return;
    }
    if (prefix === '') return;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) out.push({ path: prefix, text_value: String(v), num_value: v });
    } else if (typeof v === 'boolean' || (typeof v === 'string' && !v.includes('\u0000'))) out.push({ path: prefix, text_value: String(v), num_value: null });
  };
  walk(parsed, '');
  return out;
}
