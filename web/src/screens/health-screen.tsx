import { useCallback, useEffect, useMemo, useState } from 'react';
import type { HealthReport } from '../../../src/health/analyse';
import type { DuplicateGroup } from '../../../src/health/duplicates';
import type { HealthMeasureColumns, LatestHealth, MeasureColumn } from '../../../src/platform/service/health';
import { ApiError, type Api, type TagData } from '../api';
import { bitmaskToMembers, indicesToBitmask } from '../bitmask';
import { href, setParams } from '../router';
import type { DatasetScreenProps } from './explore-screen';
import './health-screen.css';

/** How each measure column reads on the page, in the order the histograms are drawn. */
const MEASURES: { key: MeasureColumn; label: string; digits: number }[] = [
  { key: 'sharpness', label: 'Sharpness (Laplacian variance)', digits: 1 },
  { key: 'brightness', label: 'Brightness', digits: 3 },
  { key: 'contrast', label: 'Contrast', digits: 3 },
  { key: 'darkFraction', label: 'Dark pixel fraction', digits: 3 },
  { key: 'overexposedFraction', label: 'Over-exposed pixel fraction', digits: 3 },
  { key: 'entropy', label: 'Entropy (bits)', digits: 2 },
  { key: 'colourfulness', label: 'Colourfulness', digits: 1 },
  { key: 'width', label: 'Width (px)', digits: 0 },
  { key: 'height', label: 'Height (px)', digits: 0 },
  { key: 'aspectRatio', label: 'Aspect ratio', digits: 3 },
  { key: 'sizeInBytes', label: 'File size (bytes)', digits: 0 },
];
const BINS = 24;
/** Tiles shown per list before "Show all": a 100k dataset's thousands of groups are paged, not drawn at once. */
const PAGE = 24;
const POLL_MS = 1000;

interface Lookup {
  /** File name → sample id and index (dataset order = tag bit). */
  byName: Map<string, { id: string; index: number }>;
  total: number;
}

/**
 * Dataset health: the newest health job's duplicate groups (keeper marked, keep or remove per group, "remove all but
 * keepers" in one action — written to the job's `duplicates-removed` pool tag and its `duplicates` tag), outliers,
 * quality issues, and a histogram of each quality measure with a range filter. Every image opens the sample view,
 * where "Find similar" asks the dataset's ANN index for neighbours.
 */
export function HealthScreen({ api, datasetId, data, route, selection }: DatasetScreenProps) {
  const [latest, setLatest] = useState<LatestHealth | null | undefined>(undefined);
  const [measures, setMeasures] = useState<HealthMeasureColumns | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async () => {
    try {
      const [health, columns] = await Promise.all([api.getLatestHealth(datasetId), api.getHealthMeasures(datasetId)]);
      setLatest(health);
      setMeasures(columns);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, datasetId]);
  useEffect(() => void reload(), [reload]);

  const running = latest !== null && latest !== undefined && (latest.status === 'WAITING' || latest.status === 'RUNNING');
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => {
      void reload().then(() => data.reloadTags());
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [running, latest, reload, data]);

  const lookup = useMemo<Lookup>(() => {
    const byName = new Map<string, { id: string; index: number }>();
    measures?.fileNames.forEach((name, index) => byName.set(name, { id: measures.sampleIds[index], index }));
    return { byName, total: measures?.fileNames.length ?? 0 };
  }, [measures]);

  const runHealth = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const embeddings = (await api.getEmbeddings(datasetId)).filter((e) => e.isProcessed);
      if (embeddings.length === 0) throw new Error('This dataset has no embeddings yet: embed the images and upload the embeddings CSV first.');
      const newest = embeddings.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
      await api.startHealth(datasetId, newest.id);
      await reload();
    } catch (e) {
      setMessage(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const report = latest?.report ?? null;
  return (
    <div className="page health">
      <h1>Dataset health</h1>
      <div className="card inline">
        <button type="button" onClick={() => void runHealth()} disabled={busy || running}>
          {report === null ? 'Run health check' : 'Run health check again'}
        </button>
        <span role="status" className="hint" data-testid="health-status">
          {latest === undefined
            ? 'Loading…'
            : latest === null
              ? 'No health check has run on this dataset yet.'
              : running
                ? `Health check ${latest.status.toLowerCase()}…`
                : latest.status === 'FAILED'
                  ? `The last health check failed: ${latest.error ?? 'unknown error'}`
                  : `Health check of ${new Date(latest.createdAt).toLocaleString()}: ${report?.samples.toLocaleString()} samples, ${report?.measured.toLocaleString()} measured.`}
        </span>
        {message !== null && (
          <span role="alert" className="error">
            {message}
          </span>
        )}
        {error !== null && (
          <span role="alert" className="error">
            {error}
          </span>
        )}
      </div>
      {report !== null && latest !== null && latest !== undefined && (
        <>
          <Summary report={report} />
          <DuplicateGroups api={api} datasetId={datasetId} report={report} latest={latest} tags={data.tags} lookup={lookup} reloadTags={data.reloadTags} />
          <Outliers api={api} datasetId={datasetId} report={report} lookup={lookup} />
          <Issues api={api} datasetId={datasetId} report={report} lookup={lookup} />
        </>
      )}
      {measures !== null && <MeasureHistograms api={api} datasetId={datasetId} measures={measures} lookup={lookup} params={route.params} onSelect={(indices) => selection.replace(indices)} />}
    </div>
  );
}

function Summary({ report }: { report: HealthReport }) {
  const issueCount = Object.values(report.issues).reduce((sum, list) => sum + list.files.length, 0);
  return (
    <dl className="health-summary" aria-label="Health summary">
      <div>
        <dt>Exact duplicate groups</dt>
        <dd>{report.exactDuplicates.length.toLocaleString()}</dd>
      </div>
      <div>
        <dt>Near-duplicate groups</dt>
        <dd>{report.nearDuplicates.length.toLocaleString()}</dd>
      </div>
      <div>
        <dt>Duplicates to remove</dt>
        <dd>{report.duplicatesToRemove.length.toLocaleString()}</dd>
      </div>
      <div>
        <dt>Outliers</dt>
        <dd>{report.outliers.files.length.toLocaleString()}</dd>
      </div>
      <div>
        <dt>Quality issues</dt>
        <dd>{issueCount.toLocaleString()}</dd>
      </div>
      <div>
        <dt>Unreadable</dt>
        <dd>{report.unreadable.length.toLocaleString()}</dd>
      </div>
    </dl>
  );
}

/** A sample's thumbnail linking to its sample view (in Explore), with a caption. */
function Tile({ api, datasetId, lookup, fileName, caption, badge }: { api: Api; datasetId: string; lookup: Lookup; fileName: string; caption?: string; badge?: string }) {
  const sample = lookup.byName.get(fileName);
  if (sample === undefined) return <li className="health-tile missing">{fileName} (not in the dataset)</li>;
  return (
    <li className="health-tile">
      <a href={href(['datasets', datasetId, 'explore'], new URLSearchParams({ sample: sample.id }))} aria-label={`Open ${fileName}`}>
        <img src={api.sampleImageUrl(datasetId, sample.id, 'thumbnail')} alt={fileName} loading="lazy" />
      </a>
      {badge !== undefined && <span className={`badge ${badge === 'Keeper' ? 'keeper' : ''}`}>{badge}</span>}
      <span className="tile-caption" title={fileName}>
        {caption ?? fileName}
      </span>
    </li>
  );
}

type Decision = 'keep' | 'remove';

/**
 * Every group of the report once: near groups (they hold the exact copies too; one that is exactly an exact group
 * shows as that), then exact groups no near group holds.
 */
function allGroups(report: HealthReport): DuplicateGroup[] {
  const key = (g: DuplicateGroup) => [...g.files].sort().join('\n');
  const exact = new Map(report.exactDuplicates.map((g) => [key(g), g]));
  const inNear = new Set(report.nearDuplicates.flatMap((g) => g.files));
  return [
    ...report.nearDuplicates.map((g) => exact.get(key(g)) ?? g),
    ...report.exactDuplicates.filter((g) => !g.files.every((f) => inNear.has(f))),
  ];
}

function DuplicateGroups({
  api,
  datasetId,
  report,
  latest,
  tags,
  lookup,
  reloadTags,
}: {
  api: Api;
  datasetId: string;
  report: HealthReport;
  latest: LatestHealth;
  tags: TagData[];
  lookup: Lookup;
  reloadTags: () => Promise<void>;
}) {
  const groups = useMemo(() => allGroups(report), [report]);
  const [shown, setShown] = useState(PAGE);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const keptTag = tags.find((t) => t.name === latest.keptTagName);
  const duplicatesTagName = `${latest.keptTagName.slice(0, latest.keptTagName.length - 'duplicates-removed'.length)}duplicates`;
  const kept = useMemo(() => (keptTag === undefined ? null : bitmaskToMembers(keptTag.bitMaskData, lookup.total)), [keptTag, lookup.total]);
  const indexOf = (f: string) => lookup.byName.get(f)?.index;
  const stateOf = (g: DuplicateGroup): 'kept' | 'removed' | 'mixed' | 'unknown' => {
    if (kept === null) return 'unknown';
    const others = g.files.filter((f) => f !== g.keeper).map(indexOf);
    if (others.every((i) => i !== undefined && kept[i] === 1)) return 'kept';
    if (others.every((i) => i !== undefined && kept[i] === 0)) return 'removed';
    return 'mixed';
  };

  /** One write per tag, whatever the number of groups: the pool tag and the duplicates tag. */
  const decide = async (chosen: DuplicateGroup[], decision: Decision) => {
    setBusy(true);
    setMessage(null);
    try {
      const pool = kept === null ? new Uint8Array(lookup.total).fill(1) : kept.slice();
      const duplicatesTag = tags.find((t) => t.name === duplicatesTagName);
      const duplicates = duplicatesTag === undefined ? new Uint8Array(lookup.total) : bitmaskToMembers(duplicatesTag.bitMaskData, lookup.total);
      let changed = 0;
      for (const g of chosen) {
        for (const f of g.files) {
          const i = indexOf(f);
          if (i === undefined) continue;
          const keep = decision === 'keep' || f === g.keeper;
          if (pool[i] !== (keep ? 1 : 0)) changed++;
          pool[i] = keep ? 1 : 0;
          duplicates[i] = keep ? 0 : 1;
        }
      }
      const members = (mask: Uint8Array) => {
        const out: number[] = [];
        mask.forEach((v, i) => v === 1 && out.push(i));
        return out;
      };
      const poolMembers = members(pool);
      if (keptTag === undefined) {
        await api.createTag(datasetId, { name: latest.keptTagName, bitMaskData: indicesToBitmask(poolMembers), totSize: lookup.total, changes: { webapp: { health: decision } } });
      } else {
        await api.updateTag(datasetId, keptTag.id, { name: keptTag.name, bitMaskData: indicesToBitmask(poolMembers) });
      }
      const duplicateMembers = members(duplicates);
      if (duplicatesTag !== undefined && duplicateMembers.length === 0) await api.deleteTag(datasetId, duplicatesTag.id);
      else if (duplicatesTag !== undefined) await api.updateTag(datasetId, duplicatesTag.id, { name: duplicatesTag.name, bitMaskData: indicesToBitmask(duplicateMembers) });
      else if (duplicateMembers.length > 0) {
        await api.createTag(datasetId, { name: duplicatesTagName, bitMaskData: indicesToBitmask(duplicateMembers), totSize: lookup.total, changes: { webapp: { health: decision } } });
      }
      await reloadTags();
      setMessage(
        decision === 'keep'
          ? `Kept every copy of ${chosen.length.toLocaleString()} group${chosen.length === 1 ? '' : 's'}: ${latest.keptTagName} now holds ${poolMembers.length.toLocaleString()} samples.`
          : `Removed all but the keepers of ${chosen.length.toLocaleString()} group${chosen.length === 1 ? '' : 's'} (${changed.toLocaleString()} changed): ${latest.keptTagName} now holds ${poolMembers.length.toLocaleString()} samples.`,
      );
    } catch (e) {
      setMessage((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="duplicates-heading">
      <h2 id="duplicates-heading">Duplicate groups ({groups.length.toLocaleString()})</h2>
      <p className="hint">
        Removing takes a group's copies out of the tag <code>{latest.keptTagName}</code> (the pool a selection draws from) and puts them in{' '}
        <code>{duplicatesTagName}</code>; the keeper ({report.options.keeper}) stays.
      </p>
      <div className="actions">
        <button type="button" disabled={busy || groups.length === 0} onClick={() => void decide(groups, 'remove')}>
          Remove all but keepers
        </button>
        <button type="button" className="secondary" disabled={busy || groups.length === 0} onClick={() => void decide(groups, 'keep')}>
          Keep all copies
        </button>
        {message !== null && (
          <span role="status" className="hint">
            {message}
          </span>
        )}
      </div>
      {groups.length === 0 && <p className="hint">No duplicates: every picture is different enough from every other.</p>}
      <ol className="group-list">
        {groups.slice(0, shown).map((g, k) => {
          const state = stateOf(g);
          return (
            <li key={`${g.keeper}-${k}`} className="dup-group" aria-label={`Group ${k + 1}: ${g.files.length} ${g.kind === 'exact' ? 'exact copies' : 'near duplicates'}`}>
              <div className="group-head">
                <strong>
                  Group {k + 1} · {g.kind === 'exact' ? 'exact copies' : `near duplicates, similarity ≥ ${g.minSimilarity.toFixed(3)}`}
                </strong>
                <span className="hint" data-testid="group-state">
                  {state === 'kept' ? 'all copies kept' : state === 'removed' ? 'duplicates removed' : state === 'mixed' ? 'partly removed' : ''}
                </span>
                <button type="button" className="small" aria-pressed={state === 'kept'} disabled={busy} onClick={() => void decide([g], 'keep')}>
                  Keep all
                </button>
                <button type="button" className="small" aria-pressed={state === 'removed'} disabled={busy} onClick={() => void decide([g], 'remove')}>
                  Remove duplicates
                </button>
              </div>
              <ul className="tiles">
                {g.files.map((f) => {
                  const i = lookup.byName.get(f)?.index;
                  const removed = kept !== null && i !== undefined && kept[i] === 0;
                  return <Tile key={f} api={api} datasetId={datasetId} lookup={lookup} fileName={f} badge={f === g.keeper ? 'Keeper' : removed ? 'Removed' : 'Kept'} />;
                })}
              </ul>
            </li>
          );
        })}
      </ol>
      {groups.length > shown && (
        <button type="button" className="secondary" onClick={() => setShown((n) => n + PAGE * 4)}>
          Show more groups ({(groups.length - shown).toLocaleString()} left)
        </button>
      )}
    </section>
  );
}

function Outliers({ api, datasetId, report, lookup }: { api: Api; datasetId: string; report: HealthReport; lookup: Lookup }) {
  const [shown, setShown] = useState(PAGE);
  const { files, threshold, k, source } = report.outliers;
  return (
    <section className="card" aria-labelledby="outliers-heading">
      <h2 id="outliers-heading">Outliers ({files.length.toLocaleString()})</h2>
      <p className="hint">
        Cosine distance to the {k}th most similar other picture above {threshold} ({source === 'dataset' ? 'set from this dataset' : 'given'}); farthest first.
      </p>
      <ul className="tiles">
        {files.slice(0, shown).map((o) => (
          <Tile key={o.fileName} api={api} datasetId={datasetId} lookup={lookup} fileName={o.fileName} caption={`${o.distance.toFixed(3)} · ${o.fileName}`} />
        ))}
      </ul>
      {files.length > shown && (
        <button type="button" className="secondary" onClick={() => setShown(files.length)}>
          Show all {files.length.toLocaleString()}
        </button>
      )}
    </section>
  );
}

function Issues({ api, datasetId, report, lookup }: { api: Api; datasetId: string; report: HealthReport; lookup: Lookup }) {
  const [open, setOpen] = useState<string | null>(null);
  const entries = Object.entries(report.issues);
  const list = open === null ? null : report.issues[open as keyof HealthReport['issues']];
  return (
    <section className="card" aria-labelledby="issues-heading">
      <h2 id="issues-heading">Quality issues</h2>
      <table className="list">
        <thead>
          <tr>
            <th scope="col">Issue</th>
            <th scope="col">Measure</th>
            <th scope="col">Cut</th>
            <th scope="col">Images</th>
            <th scope="col">
              <span className="visually-hidden">Show</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([type, issue]) => (
            <tr key={type}>
              <th scope="row">{type}</th>
              <td>{issue.measure}</td>
              <td>
                {issue.tail === 'low' ? '<' : '>'} {Number(issue.threshold.toPrecision(3))} <span className="hint">({issue.source})</span>
              </td>
              <td className="num">{issue.files.length.toLocaleString()}</td>
              <td>
                <button type="button" className="small" disabled={issue.files.length === 0} aria-pressed={open === type} onClick={() => setOpen(open === type ? null : type)}>
                  Show {type}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list !== null && (
        <ul className="tiles" aria-label={`${open} images`}>
          {list.files.slice(0, PAGE * 4).map((f) => (
            <Tile key={f.fileName} api={api} datasetId={datasetId} lookup={lookup} fileName={f.fileName} caption={`${Number(f.value.toPrecision(3))} · ${f.fileName}`} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** `q.sharpness=10~200` ↔ `{ sharpness: [10, 200] }`: the range filters live in the URL like Explore's. */
function rangesFromParams(params: URLSearchParams): Partial<Record<MeasureColumn, [number, number]>> {
  const out: Partial<Record<MeasureColumn, [number, number]>> = {};
  for (const m of MEASURES) {
    const text = params.get(`q.${m.key}`);
    if (text === null) continue;
    const [lo, hi] = text.split('~').map(Number);
    if (Number.isFinite(lo) && Number.isFinite(hi)) out[m.key] = [lo, hi];
  }
  return out;
}

function MeasureHistograms({
  api,
  datasetId,
  measures,
  lookup,
  params,
  onSelect,
}: {
  api: Api;
  datasetId: string;
  measures: HealthMeasureColumns;
  lookup: Lookup;
  params: URLSearchParams;
  onSelect: (indices: number[]) => void;
}) {
  // Keyed by the parameters' text: a new URLSearchParams each render must not refilter 100,000 samples.
  const rangesKey = new URLSearchParams([...params].filter(([k]) => k.startsWith('q.'))).toString();
  const ranges = useMemo(() => rangesFromParams(new URLSearchParams(rangesKey)), [rangesKey]);
  const present = MEASURES.filter((m) => measures.columns[m.key].some((v) => v !== null));
  const passing = useMemo(() => {
    const out: number[] = [];
    const active = Object.entries(ranges) as [MeasureColumn, [number, number]][];
    for (let i = 0; i < measures.sampleIds.length; i++) {
      let ok = true;
      for (const [key, [lo, hi]] of active) {
        const v = measures.columns[key][i];
        if (v === null || v < lo || v > hi) {
          ok = false;
          break;
        }
      }
      if (ok) out.push(i);
    }
    return out;
  }, [measures, ranges]);
  const [shown, setShown] = useState(PAGE);
  const active = Object.keys(ranges).length;

  if (present.length === 0) {
    return (
      <section className="card" aria-labelledby="measures-heading">
        <h2 id="measures-heading">Quality measures</h2>
        <p className="hint">No sample has quality measures yet: they are taken in the embed pass (winnow embed, winnow run, the Embed node) and uploaded as the samples&apos; metadata.</p>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="measures-heading">
      <h2 id="measures-heading">Quality measures</h2>
      <div className="actions">
        <span data-testid="measure-pass-count">
          {passing.length.toLocaleString()} of {measures.sampleIds.length.toLocaleString()} samples in the chosen ranges
        </span>
        <button type="button" className="small" disabled={active === 0} onClick={() => setParams(Object.fromEntries(MEASURES.map((m) => [`q.${m.key}`, null])))}>
          Clear ranges{active > 0 ? ` (${active})` : ''}
        </button>
        <button type="button" className="small" disabled={passing.length === 0} onClick={() => onSelect(passing)}>
          Select these {passing.length.toLocaleString()}
        </button>
        <a href={href(['datasets', datasetId, 'explore'], new URLSearchParams({ only: 'selected' }))}>Selected samples in Explore</a>
      </div>
      <div className="histogram-grid">
        {present.map((m) => (
          <MeasureHistogram key={m.key} measure={m} values={measures.columns[m.key]} passing={passing} range={ranges[m.key]} />
        ))}
      </div>
      <ul className="tiles" aria-label="Samples in the chosen ranges">
        {passing.slice(0, shown).map((i) => (
          <Tile key={measures.sampleIds[i]} api={api} datasetId={datasetId} lookup={lookup} fileName={measures.fileNames[i]} />
        ))}
      </ul>
      {passing.length > shown && (
        <button type="button" className="secondary" onClick={() => setShown((n) => n + PAGE * 4)}>
          Show more ({(passing.length - shown).toLocaleString()} left)
        </button>
      )}
    </section>
  );
}

function MeasureHistogram({
  measure,
  values,
  passing,
  range,
}: {
  measure: (typeof MEASURES)[number];
  values: Array<number | null>;
  passing: number[];
  range: [number, number] | undefined;
}) {
  const extent = useMemo<[number, number]>(() => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v === null) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  }, [values]);
  const [all, inRange] = useMemo(() => {
    const span = extent[1] - extent[0] || 1;
    const bin = (v: number) => Math.min(BINS - 1, Math.max(0, Math.floor(((v - extent[0]) / span) * BINS)));
    const a = new Array<number>(BINS).fill(0);
    const p = new Array<number>(BINS).fill(0);
    for (const v of values) if (v !== null) a[bin(v)]++;
    for (const i of passing) {
      const v = values[i];
      if (v !== null) p[bin(v)]++;
    }
    return [a, p];
  }, [values, passing, extent]);
  const round = (v: number) => Number(v.toFixed(measure.digits));
  const [lo, hi] = range ?? extent;
  const set = (next: [number, number]) => {
    const full = next[0] <= extent[0] && next[1] >= extent[1];
    setParams({ [`q.${measure.key}`]: full ? null : `${next[0]}~${next[1]}` });
  };
  const tallest = Math.max(1, ...all);
  const span = extent[1] - extent[0] || 1;
  const id = `measure-${measure.key}`;
  return (
    <fieldset className="filter measure">
      <legend>{measure.label}</legend>
      <div
        className="histogram tall"
        role="img"
        aria-label={`Histogram of ${measure.label}: ${passing.length.toLocaleString()} samples in range, values from ${round(extent[0])} to ${round(extent[1])}`}
      >
        {all.map((count, k) => {
          const binLo = extent[0] + (k / BINS) * span;
          return (
            <span key={k} className="bar-stack" title={`${round(binLo)}–${round(binLo + span / BINS)}: ${count} (${inRange[k]} in range)`} style={{ height: `${(count / tallest) * 100}%` }}>
              <span className="bar in" style={{ height: `${count === 0 ? 0 : (inRange[k] / count) * 100}%` }} />
            </span>
          );
        })}
      </div>
      <div className="range-pair">
        <label htmlFor={`${id}-min`}>Min</label>
        <input id={`${id}-min`} aria-label={`Minimum ${measure.label}`} type="number" step="any" value={round(lo)} onChange={(e) => e.target.value !== '' && set([Number(e.target.value), hi])} />
        <label htmlFor={`${id}-max`}>Max</label>
        <input id={`${id}-max`} aria-label={`Maximum ${measure.label}`} type="number" step="any" value={round(hi)} onChange={(e) => e.target.value !== '' && set([lo, Number(e.target.value)])} />
      </div>
    </fieldset>
  );
}
