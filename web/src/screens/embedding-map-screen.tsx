import { useEffect, useMemo, useRef, useState, type PointerEvent, type WheelEvent } from 'react';
import type { Embedding2dData } from '../api';
import { bitmaskToMembers } from '../bitmask';
import { SampleView } from '../components/sample-view';
import { SelectionBar } from '../components/selection-bar';
import { ProjectionChooser, useProjection } from '../components/projection';
import { EmbeddingChooser, useEmbeddings } from '../components/use-embeddings';
import { fieldValue, isNumericField, type DatasetState, useAllSamples } from '../dataset-data';
import { href, setParams } from '../router';
import { CATEGORY_COLOURS, drawPoints, fitView, insidePolygon, nearestPoint, panView, toPixel, viridis, zoomView, type ScatterView } from '../scatter';
import type { DatasetScreenProps } from './explore-screen';

const WIDTH = 900;
const HEIGHT = 560;
const GREY: [number, number, number] = [170, 170, 180];

interface Legend {
  kind: 'none' | 'numeric' | 'categories' | 'tag';
  min?: number;
  max?: number;
  categories?: { label: string; colour: [number, number, number] }[];
}

/**
 * 2-D map of an embedding, coloured by a metadata field or a tag. Wheel zooms, Pan mode drags the view; hovering a
 * point shows its thumbnail and a click opens it. A box or lasso selects into the shared selection, shown as a
 * strip of thumbnails with the selection bar, so it can be tagged without leaving the map or opened in Explore.
 */
export function EmbeddingMapScreen({ api, datasetId, data, route, selection }: DatasetScreenProps) {
  useAllSamples(data);
  const { embeddings, embeddingId, setEmbeddingId, error: listError } = useEmbeddings(api, datasetId);
  const projection = useProjection(api, datasetId, embeddingId, route.params);
  const { coords, error } = projection;
  const colourBy = route.params.get('colour') ?? '';
  const [mode, setMode] = useState<'box' | 'lasso' | 'pan'>('box');
  const [renderMs, setRenderMs] = useState<number | null>(null);
  const [zoomed, setZoomed] = useState<ScatterView | null>(null);
  const [hover, setHover] = useState<{ point: number; x: number; y: number } | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const path = useRef<[number, number][]>([]);
  const panFrom = useRef<[number, number] | null>(null);

  // Coordinates follow dataset order; map each point to its sample index by name in case the orders differ.
  const sampleIndex = useMemo(() => {
    if (coords === null) return null;
    const byName = new Map(data.samples.map((s, i) => [s.fileName, i]));
    return Int32Array.from(coords.fileNames, (name) => byName.get(name) ?? -1);
  }, [coords, data.samples]);
  const fitted: ScatterView | null = useMemo(
    () => (coords === null ? null : fitView(coords.coordinatesDimension1, coords.coordinatesDimension2, WIDTH, HEIGHT)),
    [coords],
  );
  // The zoomed window is in the URL (`view=minX,maxX,minY,maxY`), so a link shows the same part of the map.
  const viewParam = route.params.get('view');
  const view: ScatterView | null = useMemo(() => {
    if (fitted === null) return null;
    if (zoomed !== null) return zoomed;
    const parts = viewParam?.split(',').map(Number);
    if (parts?.length === 4 && parts.every(Number.isFinite)) return { ...fitted, minX: parts[0], maxX: parts[1], minY: parts[2], maxY: parts[3] };
    return fitted;
  }, [fitted, zoomed, viewParam]);
  const setView = (next: ScatterView | null) => {
    setZoomed(next);
    setParams({ view: next === null ? null : [next.minX, next.maxX, next.minY, next.maxY].map((v) => v.toPrecision(6)).join(',') }, { replace: true });
  };

  const { colours, legend, values, colourMs } = useMemo(() => {
    const started = performance.now();
    return { ...colourPoints(data, coords, sampleIndex, colourBy), colourMs: performance.now() - started };
  }, [data, coords, sampleIndex, colourBy]);

  // Points of the shared selection (which holds sample indices).
  const selectedPoints = useMemo(() => {
    const picked: number[] = [];
    if (sampleIndex !== null) for (let i = 0; i < sampleIndex.length; i++) if (selection.set.has(sampleIndex[i])) picked.push(i);
    return picked;
  }, [sampleIndex, selection.set]);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx || coords === null || view === null) return;
    const started = performance.now();
    const image = ctx.createImageData(WIDTH, HEIGHT);
    image.data.fill(255);
    const drawn = colours.slice();
    if (selectedPoints.length > 0) {
      // Unselected points fade so the selection reads at a glance.
      const highlighted = new Uint8Array(coords.fileNames.length);
      for (const i of selectedPoints) highlighted[i] = 1;
      for (let i = 0; i < highlighted.length; i++) if (!highlighted[i]) drawn[i * 4 + 3] = 60;
    }
    drawPoints(image, view, coords.coordinatesDimension1, coords.coordinatesDimension2, drawn, pointSize(coords.fileNames.length));
    ctx.putImageData(image, 0, 0);
    // Reported with the colouring so the figure is the whole cost of a redraw.
    setRenderMs(performance.now() - started + colourMs);
  }, [coords, view, colours, colourMs, selectedPoints]);

  const toCanvas = (event: PointerEvent<HTMLCanvasElement> | WheelEvent<HTMLCanvasElement>): [number, number] => {
    const rect = event.currentTarget.getBoundingClientRect();
    return [((event.clientX - rect.left) / rect.width) * WIDTH, ((event.clientY - rect.top) / rect.height) * HEIGHT];
  };
  const drawOverlay = () => {
    const ctx = overlay.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    const p = path.current;
    if (p.length < 2) return;
    ctx.strokeStyle = '#1d4ed8';
    ctx.fillStyle = 'rgba(29, 78, 216, 0.08)';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    if (mode === 'box') {
      const [a, b] = [p[0], p[p.length - 1]];
      ctx.rect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]));
    } else {
      ctx.moveTo(p[0][0], p[0][1]);
      for (const q of p) ctx.lineTo(q[0], q[1]);
      ctx.closePath();
    }
    ctx.fill();
    ctx.stroke();
  };
  const pointAt = (x: number, y: number) =>
    coords === null || view === null ? -1 : nearestPoint(view, coords.coordinatesDimension1, coords.coordinatesDimension2, x, y, pointSize(coords.fileNames.length) + 2);
  const onDown = (event: PointerEvent<HTMLCanvasElement>) => {
    event.currentTarget.setPointerCapture(event.pointerId);
    setHover(null);
    if (mode === 'pan') panFrom.current = toCanvas(event);
    else path.current = [toCanvas(event)];
  };
  const onMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const at = toCanvas(event);
    if (panFrom.current !== null && view !== null) {
      const [x0, y0] = panFrom.current;
      panFrom.current = at;
      setView(panView(view, at[0] - x0, at[1] - y0));
      return;
    }
    if (path.current.length === 0) {
      const point = pointAt(at[0], at[1]);
      const rect = event.currentTarget.getBoundingClientRect();
      setHover(point < 0 ? null : { point, x: event.clientX - rect.left, y: event.clientY - rect.top });
      return;
    }
    path.current.push(at);
    drawOverlay();
  };
  const onUp = (event: PointerEvent<HTMLCanvasElement>) => {
    const p = path.current;
    path.current = [];
    const wasPanning = panFrom.current !== null;
    panFrom.current = null;
    overlay.current?.getContext('2d')?.clearRect(0, 0, WIDTH, HEIGHT);
    if (coords === null || view === null || sampleIndex === null || wasPanning) return;
    const [a, b] = [p[0], p[p.length - 1]];
    if (p.length < 2 || Math.hypot(a[0] - b[0], a[1] - b[1]) < 3) {
      // A click, not a drag: open the point under the pointer.
      const point = a === undefined ? -1 : pointAt(a[0], a[1]);
      if (point >= 0 && sampleIndex[point] >= 0) setParams({ sample: data.samples[sampleIndex[point]].id });
      return;
    }
    const picked: number[] = [];
    const xs = coords.coordinatesDimension1;
    const ys = coords.coordinatesDimension2;
    if (mode === 'box') {
      const [x0, x1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
      const [y0, y1] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
      for (let i = 0; i < xs.length; i++) {
        const [x, y] = toPixel(view, xs[i], ys[i]);
        if (x >= x0 && x <= x1 && y >= y0 && y <= y1) picked.push(i);
      }
    } else {
      for (let i = 0; i < xs.length; i++) {
        const [x, y] = toPixel(view, xs[i], ys[i]);
        if (insidePolygon(x, y, p)) picked.push(i);
      }
    }
    selectPoints(picked, event.shiftKey || event.ctrlKey || event.metaKey);
  };
  /** Points to samples; shift/ctrl adds to the selection instead of replacing it. */
  const selectPoints = (points: number[], add = false) => {
    if (sampleIndex === null) return;
    const indices = points.map((i) => sampleIndex[i]).filter((i) => i >= 0);
    if (add) selection.add(indices);
    else selection.replace(indices);
  };
  const onWheel = (event: WheelEvent<HTMLCanvasElement>) => {
    if (view === null) return;
    const [x, y] = toCanvas(event);
    setView(zoomView(view, x, y, event.deltaY < 0 ? 1.25 : 0.8));
  };

  const selectedIndices = useMemo(() => selectedPoints.map((i) => (sampleIndex === null ? -1 : sampleIndex[i])).filter((i) => i >= 0), [selectedPoints, sampleIndex]);
  const openId = route.params.get('sample');
  const openIndex = openId === null ? -1 : data.samples.findIndex((s) => s.id === openId);
  const hovered = hover !== null && sampleIndex !== null ? data.samples[sampleIndex[hover.point]] : undefined;
  const exploreSelected = href(['datasets', datasetId, 'explore'], new URLSearchParams({ only: 'selected' }));

  return (
    <div className="page map-page">
      <h1>Embedding map</h1>
      <div className="toolbar">
        {embeddings !== null && <EmbeddingChooser embeddings={embeddings} value={embeddingId} onChange={setEmbeddingId} />}
        <div className="field">
          <label htmlFor="colour-by">Colour by</label>
          <select id="colour-by" value={colourBy} onChange={(e) => setParams({ colour: e.target.value === '' ? null : e.target.value })}>
            <option value="">Nothing</option>
            <optgroup label="Metadata">
              {data.fields.map((f) => (
                <option key={f.path} value={`field:${f.path}`}>
                  {f.name}
                </option>
              ))}
            </optgroup>
            <optgroup label="Tags">
              {data.tags.map((t) => (
                <option key={t.id} value={`tag:${t.id}`}>
                  {t.name}
                </option>
              ))}
            </optgroup>
          </select>
        </div>
        <ProjectionChooser projection={projection} />
        <fieldset className="segmented">
          <legend>Drag to</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'box'} onChange={() => setMode('box')} /> Box
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'lasso'} onChange={() => setMode('lasso')} /> Lasso
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'pan'} onChange={() => setMode('pan')} /> Pan
          </label>
        </fieldset>
        <div className="actions">
          <button type="button" className="small" onClick={() => view !== null && setView(zoomView(view, WIDTH / 2, HEIGHT / 2, 1.5))}>
            Zoom in
          </button>
          <button type="button" className="small" onClick={() => view !== null && setView(zoomView(view, WIDTH / 2, HEIGHT / 2, 1 / 1.5))}>
            Zoom out
          </button>
          <button type="button" className="small" onClick={() => setView(null)}>
            Reset view
          </button>
        </div>
      </div>
      {(error ?? listError) !== null && (
        <p role="alert" className="error">
          {error ?? listError}
        </p>
      )}
      <div className="map-wrap">
        <div className="canvas-stack" style={{ aspectRatio: `${WIDTH} / ${HEIGHT}` }}>
          <canvas ref={canvas} width={WIDTH} height={HEIGHT} aria-label="Embedding scatter plot" role="img" />
          <canvas
            ref={overlay}
            width={WIDTH}
            height={HEIGHT}
            className={`overlay ${mode}`}
            aria-hidden="true"
            onPointerDown={onDown}
            onPointerMove={onMove}
            onPointerUp={onUp}
            onPointerLeave={() => setHover(null)}
            onWheel={onWheel}
          />
          {hovered !== undefined && hover !== null && (
            <figure className="hover-thumb" style={{ left: hover.x + 12, top: hover.y + 12 }} data-testid="map-hover">
              <img src={api.sampleImageUrl(datasetId, hovered.id, 'thumbnail')} alt="" />
              <figcaption>{hovered.fileName}</figcaption>
            </figure>
          )}
        </div>
        <aside className="map-side">
          <p role="status" data-testid="map-status">
            {coords === null
              ? embeddingId === ''
                ? 'Upload an embedding to see its map.'
                : error !== null
                  ? 'No map.'
                  : 'Loading coordinates…'
              : `${coords.fileNames.length.toLocaleString()} points (${coords.dimensionalityReductionMethod})` +
                (renderMs !== null ? `, drawn in ${Math.round(renderMs)} ms` : '')}
          </p>
          <LegendView legend={legend} />
          <KeyboardSelect legend={legend} values={values} onSelect={(picked) => selectPoints(picked)} />
          <h2>Selection</h2>
          <p data-testid="map-selected">{selectedPoints.length.toLocaleString()} selected</p>
          {selectedPoints.length > 0 && <a href={exploreSelected}>Show the selection in Explore</a>}
          <SelectionBar api={api} datasetId={datasetId} data={data} selection={selection} />
        </aside>
      </div>
      {selectedIndices.length > 0 && (
        <ul className="strip" aria-label="Selected samples">
          {selectedIndices.slice(0, STRIP).map((index) => (
            <li key={index}>
              <button type="button" className="strip-item" onClick={() => setParams({ sample: data.samples[index].id })} aria-label={`Open ${data.samples[index].fileName}`}>
                <img src={api.sampleImageUrl(datasetId, data.samples[index].id, 'thumbnail')} alt="" loading="lazy" />
              </button>
            </li>
          ))}
          {selectedIndices.length > STRIP && <li className="hint">and {(selectedIndices.length - STRIP).toLocaleString()} more</li>}
        </ul>
      )}
      {openIndex >= 0 && (
        <SampleView
          api={api}
          datasetId={datasetId}
          data={data}
          order={selectedIndices.includes(openIndex) ? selectedIndices : [openIndex]}
          index={openIndex}
          selection={selection}
          onNavigate={(index) => setParams({ sample: index === null ? null : data.samples[index].id })}
        />
      )}
    </div>
  );
}

// Thumbnails shown in the selection strip; the rest are a count (and one click away in Explore).
const STRIP = 60;

/** Big dots for a few hundred points, 2-pixel ones at 100,000 so clusters stay readable instead of one blob. */
function pointSize(n: number): number {
  return n <= 1000 ? 8 : n <= 10_000 ? 5 : n <= 50_000 ? 3 : 2;
}

function colourPoints(
  data: DatasetState,
  coords: Embedding2dData | null,
  sampleIndex: Int32Array | null,
  colourBy: string,
): { colours: Uint8ClampedArray; legend: Legend; values: unknown[] } {
  const n = coords?.fileNames.length ?? 0;
  const colours = new Uint8ClampedArray(n * 4);
  const paint = (i: number, c: [number, number, number]) => {
    colours[i * 4] = c[0];
    colours[i * 4 + 1] = c[1];
    colours[i * 4 + 2] = c[2];
    colours[i * 4 + 3] = 255;
  };
  const base: [number, number, number] = [59, 91, 219];
  if (sampleIndex === null) return { colours, legend: { kind: 'none' }, values: [] };
  if (colourBy.startsWith('tag:')) {
    const tag = data.tags.find((t) => t.id === colourBy.slice(4));
    const members = tag ? bitmaskToMembers(tag.bitMaskData, data.samples.length) : new Uint8Array(0);
    const inside = `in ${tag?.name ?? 'tag'}`;
    const values = Array.from(sampleIndex, (k) => (members[k] ? inside : 'not in it'));
    for (let i = 0; i < n; i++) paint(i, members[sampleIndex[i]] ? [225, 87, 89] : GREY);
    return { colours, values, legend: { kind: 'tag', categories: [{ label: inside, colour: [225, 87, 89] }, { label: 'not in it', colour: GREY }] } };
  }
  const field = colourBy.startsWith('field:') ? data.fields.find((f) => f.path === colourBy.slice(6)) : undefined;
  if (field === undefined) {
    for (let i = 0; i < n; i++) paint(i, base);
    return { colours, legend: { kind: 'none' }, values: [] };
  }
  const values: unknown[] = Array.from(sampleIndex, (k) => (k >= 0 && data.samples[k] ? fieldValue(data.samples[k], field) : undefined));
  if (isNumericField(field)) {
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (typeof v === 'number' && Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    const span = max > min ? max - min : 1;
    values.forEach((v, i) => paint(i, typeof v === 'number' && Number.isFinite(v) ? viridis((v - min) / span) : GREY));
    return { colours, values, legend: { kind: 'numeric', min, max } };
  }
  const counts = new Map<string, number>();
  for (const v of values) if (v !== undefined) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, CATEGORY_COLOURS.length);
  const colourOf = new Map(top.map(([label], k) => [label, CATEGORY_COLOURS[k]]));
  values.forEach((v, i) => paint(i, colourOf.get(String(v)) ?? GREY));
  return { colours, values, legend: { kind: 'categories', categories: top.map(([label]) => ({ label, colour: colourOf.get(label) as [number, number, number] })) } };
}

function LegendView({ legend }: { legend: Legend }) {
  if (legend.kind === 'numeric') {
    const stops = Array.from({ length: 8 }, (_, k) => `rgb(${viridis(k / 7).map(Math.round).join(',')})`);
    return (
      <div className="legend" aria-label="Colour legend">
        <span>{legend.min?.toFixed(1)}</span>
        <span className="ramp" style={{ background: `linear-gradient(to right, ${stops.join(',')})` }} />
        <span>{legend.max?.toFixed(1)}</span>
      </div>
    );
  }
  if (legend.categories) {
    return (
      <ul className="legend" aria-label="Colour legend">
        {legend.categories.map((c) => (
          <li key={c.label}>
            <span className="swatch" style={{ background: `rgb(${c.colour.join(',')})` }} /> {c.label}
          </li>
        ))}
      </ul>
    );
  }
  return null;
}

/**
 * Selection without a pointer: by the value range or category the map is coloured by, so keyboard and screen-reader
 * users can make the same tags as a box drawn with a mouse.
 */
function KeyboardSelect({ legend, values, onSelect }: { legend: Legend; values: unknown[]; onSelect: (picked: number[]) => void }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [category, setCategory] = useState('');
  if (legend.kind === 'numeric') {
    const select = () => {
      const lo = from === '' ? -Infinity : Number(from);
      const hi = to === '' ? Infinity : Number(to);
      const picked: number[] = [];
      values.forEach((v, i) => typeof v === 'number' && v >= lo && v <= hi && picked.push(i));
      onSelect(picked);
    };
    return (
      <fieldset className="key-select">
        <legend>Select by value</legend>
        <label htmlFor="select-from">From</label>
        <input id="select-from" type="number" step="any" value={from} placeholder={String(legend.min)} onChange={(e) => setFrom(e.target.value)} />
        <label htmlFor="select-to">To</label>
        <input id="select-to" type="number" step="any" value={to} placeholder={String(legend.max)} onChange={(e) => setTo(e.target.value)} />
        <button type="button" className="small" onClick={select}>
          Select range
        </button>
      </fieldset>
    );
  }
  if (legend.categories) {
    const chosen = category || legend.categories[0]?.label || '';
    return (
      <fieldset className="key-select">
        <legend>Select by colour</legend>
        <label htmlFor="select-category">Category</label>
        <select id="select-category" value={chosen} onChange={(e) => setCategory(e.target.value)}>
          {legend.categories.map((c) => (
            <option key={c.label} value={c.label}>
              {c.label}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="small"
          onClick={() => {
            const picked: number[] = [];
            values.forEach((v, i) => String(v) === chosen && picked.push(i));
            onSelect(picked);
          }}
        >
          Select category
        </button>
      </fieldset>
    );
  }
  return <p className="hint">Drag a box or lasso on the map, or colour it by a field to select by value.</p>;
}
