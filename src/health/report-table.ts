import type { HealthReport } from './analyse';
import { ISSUE_TYPES } from './issues';

/** At most this many groups or files are listed per section; the JSON report has them all. */
const LIST_LIMIT = 10;

/**
 * The report as text for a terminal: a summary table (one row per finding, with its threshold), then the first
 * groups and files of each finding.
 *
 * @example
 * formatHealthReport(report)
 * // finding            count  threshold
 * // exact duplicates       3  same bytes or pixels
 * // near duplicates        5  similarity ≥ 0.9
 * // …
 */
export function formatHealthReport(report: HealthReport): string {
  const rows: Array<[string, string, string]> = [
    ['images', String(report.samples), `${report.measured} measured`],
    ['exact duplicates', groupCount(report.exactDuplicates), 'same bytes or same pixels'],
    ['near duplicates', groupCount(report.nearDuplicates), `similarity ≥ ${report.options.nearDuplicateThreshold} (≥ ${report.options.layoutThreshold} with the same layout), keeper: ${report.options.keeper}`],
    ['to remove', String(report.duplicatesToRemove.length), 'duplicates that are not their group’s keeper'],
    ['outliers', String(report.outliers.files.length), `distance to ${report.outliers.k}th neighbour > ${report.outliers.threshold} (${report.outliers.source})`],
  ];
  for (const type of ISSUE_TYPES) {
    const list = report.issues[type];
    rows.push([type, String(list.files.length), `${list.measure} ${list.tail === 'low' ? '<' : '>'} ${list.threshold} (${list.source})`]);
  }
  rows.push(['unreadable', String(report.unreadable.length), 'skipped, never fatal']);
  const w0 = Math.max(...rows.map((r) => r[0].length), 'finding'.length);
  const w1 = Math.max(...rows.map((r) => r[1].length), 'count'.length);
  const line = (r: [string, string, string]) => `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2]}`;
  const out = [line(['finding', 'count', 'threshold']), ...rows.map(line)];

  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    out.push('', `${title}:`);
    for (const item of items.slice(0, LIST_LIMIT)) out.push(`  ${item}`);
    if (items.length > LIST_LIMIT) out.push(`  … ${items.length - LIST_LIMIT} more in the JSON report`);
  };
  const describe = (g: HealthReport['nearDuplicates'][number]) =>
    `keep ${g.keeper}; remove ${g.files.filter((f) => f !== g.keeper).join(', ')}${g.kind === 'near' ? ` (similarity ≥ ${g.minSimilarity})` : ''}`;
  section('exact duplicate groups', report.exactDuplicates.map(describe));
  section('near-duplicate groups', report.nearDuplicates.map(describe));
  section('outliers', report.outliers.files.map((o) => `${o.fileName}  distance ${o.distance}`));
  for (const type of ISSUE_TYPES) section(type, report.issues[type].files.map((f) => `${f.fileName}  ${report.issues[type].measure} ${round(f.value)}`));
  section('unreadable', report.unreadable.map((u) => `${u.file}: ${u.reason}`));
  return out.join('\n') + '\n';
}

function groupCount(groups: HealthReport['nearDuplicates']): string {
  return `${groups.length}`;
}

function round(x: number): number {
  return Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 1000) / 1000;
}
