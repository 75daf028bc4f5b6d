import { useEffect, useState, type ReactElement, type RefObject } from 'react';
import type { Api, SampleTaskPredictions } from '../api';
import './prediction-overlay.css';

type Singleton = SampleTaskPredictions['predictions'][number];

// Box colours by category id: dark enough for white label text (WCAG AA at the label size), distinct side by side.
const PALETTE = ['#b3261e', '#1d5fbf', '#1b7a3a', '#8a4bc2', '#a15c00', '#00707a', '#c2185b', '#4a5a6a'];
// Label text height in CSS pixels, whatever the image's scale on screen.
const LABEL_PX = 13;
// Detection box edge width in CSS pixels (a non-scaling stroke).
const BOX_STROKE_PX = 2.5;
// Classification: how many classes the list shows.
const TOP_CLASSES = 3;

export const categoryColour = (id: number) => PALETTE[((id % PALETTE.length) + PALETTE.length) % PALETTE.length];
const categoryName = (task: SampleTaskPredictions, id: number) => task.categories.find((c) => c.id === id)?.name ?? `#${id}`;
const percent = (p: number) => `${(p * 100).toFixed(p >= 0.995 || p < 0.1 ? 1 : 0)}%`;

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** The four strips a box's stroke paints (`edge` wide, centred on the outline). */
function edgesOf(x: number, y: number, w: number, h: number, edge: number): Rect[] {
  const half = edge / 2;
  return [
    { x: x - half, y: y - half, w: w + edge, h: edge },
    { x: x - half, y: y + h - half, w: w + edge, h: edge },
    { x: x - half, y: y - half, w: edge, h: h + edge },
    { x: x + w - half, y: y - half, w: edge, h: h + edge },
  ];
}

let measuring: CanvasRenderingContext2D | null = null;
/** The label text's width in CSS pixels at `px`, measured in the label's own font (so its background fits it). */
function textWidth(text: string, px: number): number {
  measuring ??= document.createElement('canvas').getContext('2d');
  if (measuring === null) return text.length * px * 0.62;
  measuring.font = `600 ${px}px system-ui, sans-serif`;
  return measuring.measureText(text).width;
}

/** The probability of a classification's own class (or a detection's score). */
function confidence(task: SampleTaskPredictions, p: Singleton): number | undefined {
  if (p.score !== undefined) return p.score;
  const k = task.categories.findIndex((c) => c.id === p.category_id);
  return p.probabilities?.[k];
}

/** One sample's predictions of every task (null while loading, [] when it has none). */
export function useSamplePredictions(api: Api, datasetId: string, sampleId: string | undefined): SampleTaskPredictions[] | null {
  const [tasks, setTasks] = useState<SampleTaskPredictions[] | null>(null);
  useEffect(() => {
    if (sampleId === undefined) return;
    let live = true;
    setTasks(null);
    api.getSamplePredictions(datasetId, sampleId).then(
      (t) => live && setTasks(t),
      // Predictions are an extra: a failure leaves the sample view as it was.
      () => live && setTasks([]),
    );
    return () => {
      live = false;
    };
  }, [api, datasetId, sampleId]);
  return tasks;
}

/** Where the image is drawn inside its (positioned) wrap, and its pixel size: the overlay's frame. */
function useImageFrame(image: RefObject<HTMLImageElement | null>) {
  const [frame, setFrame] = useState<{ left: number; top: number; width: number; height: number; naturalWidth: number; naturalHeight: number } | null>(null);
  useEffect(() => {
    const img = image.current;
    if (img === null) return;
    const measure = () =>
      setFrame(
        img.naturalWidth > 0
          ? { left: img.offsetLeft, top: img.offsetTop, width: img.clientWidth, height: img.clientHeight, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight }
          : null,
      );
    measure();
    img.addEventListener('load', measure);
    const observer = new ResizeObserver(measure);
    observer.observe(img);
    return () => {
      img.removeEventListener('load', measure);
      observer.disconnect();
    };
  }, [image]);
  return frame;
}

/**
 * Predictions drawn over the sample image, in the image's own pixel coordinates (Lightly's bbox `[x, y, w, h]`):
 * detection boxes with "class score" labels just outside their top edge (inside it where the image ends), and for
 * classification the predicted class and its probability in a corner that crosses no box edge or label. Scales with
 * the image (fit or actual size); the text stays readable at any scale, on a background measured to fit it.
 */
export function PredictionOverlay({ tasks, image }: { tasks: SampleTaskPredictions[] | null; image: RefObject<HTMLImageElement | null> }) {
  const frame = useImageFrame(image);
  if (frame === null || tasks === null || tasks.length === 0) return null;
  const scale = frame.naturalWidth / Math.max(1, frame.width);
  const font = LABEL_PX * scale;
  const pad = 3 * scale;
  const height = font + 2 * pad;
  // The box edge as drawn (non-scaling stroke), in image pixels, and the gap a label keeps from any edge.
  const edge = BOX_STROKE_PX * scale;
  const gap = edge / 2 + scale;
  const widthOf = (text: string) => textWidth(text, LABEL_PX) * scale + 2 * pad;
  const label = (key: string, at: Rect, text: string, colour: string) => (
    <g key={key}>
      <rect x={at.x} y={at.y} width={at.w} height={at.h} fill={colour} />
      <text x={at.x + pad} y={at.y + pad + font * 0.85} fontSize={font}>
        {text}
      </text>
    </g>
  );
  const items: ReactElement[] = [];
  const described: string[] = [];
  // What a classification label must not cover: every box edge (as the strip the stroke paints) and every box label.
  const taken: Rect[] = [];
  const boxes: ReactElement[] = [];
  for (const task of tasks) {
    if (task.task_type === 'classification') continue;
    task.predictions.forEach((p, k) => {
      if (p.bbox === undefined) return;
      const [x, y, w, h] = p.bbox;
      const colour = categoryColour(p.category_id);
      const text = `${categoryName(task, p.category_id)}${p.score === undefined ? '' : ` ${p.score.toFixed(2)}`}`;
      // Above the box's top edge, flush with its left side; where the image ends there, inside the box clear of its
      // top and left edges: never across an edge.
      const above = y - gap - height;
      const left = above >= 0 ? x - edge / 2 : x + gap;
      const at = { x: Math.max(0, Math.min(left, frame.naturalWidth - widthOf(text))), y: above >= 0 ? above : y + gap, w: widthOf(text), h: height };
      taken.push(...edgesOf(x, y, w, h, edge), at);
      boxes.push(
        <g key={`${task.task}-${k}`} data-testid="prediction-box">
          <rect className="box" x={x} y={y} width={w} height={h} stroke={colour} strokeWidth={BOX_STROKE_PX} vectorEffect="non-scaling-stroke" />
          {label('label', at, text, colour)}
        </g>,
      );
      described.push(`${task.task}: ${text}`);
    });
  }
  let classificationRow = 0;
  for (const task of tasks) {
    if (task.task_type !== 'classification') continue;
    const p = task.predictions[0];
    if (p === undefined) continue;
    const c = confidence(task, p);
    const text = `${categoryName(task, p.category_id)}${c === undefined ? '' : ` ${percent(c)}`}`;
    // A corner inset past any edge that runs along the image border; the first that crosses no box edge or label
    // (else the one that crosses fewest), stacked upwards from the bottom for several tasks.
    const w = widthOf(text);
    const inset = edge + gap;
    const row = classificationRow++ * (height + scale);
    const corners: Rect[] = [
      { x: inset, y: frame.naturalHeight - inset - height - row, w, h: height },
      { x: inset, y: inset + row, w, h: height },
      { x: frame.naturalWidth - inset - w, y: frame.naturalHeight - inset - height - row, w, h: height },
      { x: frame.naturalWidth - inset - w, y: inset + row, w, h: height },
    ];
    const crossings = corners.map((r) => taken.filter((t) => overlaps(r, t)).length);
    const at = corners[crossings.indexOf(Math.min(...crossings))];
    taken.push(at);
    items.push(label(`${task.task}-class`, at, text, categoryColour(p.category_id)));
    described.push(`${task.task}: ${text}`);
  }
  // Boxes first, so the classification labels (placed clear of them) draw on top.
  items.unshift(...boxes);
  if (items.length === 0) return null;
  return (
    <svg
      className="prediction-overlay"
      data-testid="prediction-overlay"
      style={{ left: frame.left, top: frame.top, width: frame.width, height: frame.height }}
      viewBox={`0 0 ${frame.naturalWidth} ${frame.naturalHeight}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`Predictions drawn over the image: ${described.join('; ')}`}
    >
      {items}
    </svg>
  );
}

/** The same predictions as text under the image: the top classes with probabilities, or each object with its box. */
export function PredictionList({ tasks }: { tasks: SampleTaskPredictions[] | null }) {
  if (tasks === null || tasks.length === 0) return null;
  return (
    <section className="predictions" aria-labelledby="predictions-heading">
      <h3 id="predictions-heading">Predictions</h3>
      {tasks.map((task) => (
        <div key={task.task} data-testid={`predictions-${task.task}`}>
          <h4>
            {task.task} <span className="hint">({task.task_type})</span>
          </h4>
          {task.task_type === 'classification' ? <ClassList task={task} /> : <ObjectList task={task} />}
        </div>
      ))}
    </section>
  );
}

function ClassList({ task }: { task: SampleTaskPredictions }) {
  const p = task.predictions[0];
  if (p === undefined) return <p className="hint">No prediction.</p>;
  const ranked =
    p.probabilities === undefined
      ? [{ id: p.category_id, probability: undefined as number | undefined }]
      : p.probabilities
          .map((probability, k) => ({ id: task.categories[k]?.id ?? k, probability: probability as number | undefined }))
          .sort((a, b) => (b.probability ?? 0) - (a.probability ?? 0))
          .slice(0, TOP_CLASSES);
  return (
    <ol>
      {ranked.map((r) => (
        <li key={r.id}>
          <span className="swatch" style={{ background: categoryColour(r.id) }} aria-hidden="true" />
          {r.id === p.category_id ? <strong>{categoryName(task, r.id)}</strong> : categoryName(task, r.id)}
          {r.probability === undefined ? '' : ` ${percent(r.probability)}`}
        </li>
      ))}
    </ol>
  );
}

function ObjectList({ task }: { task: SampleTaskPredictions }) {
  if (task.predictions.length === 0) return <p className="hint">No objects found.</p>;
  return (
    <ul>
      {task.predictions.map((p, k) => (
        <li key={k}>
          <span className="swatch" style={{ background: categoryColour(p.category_id) }} aria-hidden="true" />
          <strong>{categoryName(task, p.category_id)}</strong>
          {p.score === undefined ? '' : ` ${p.score.toFixed(2)}`}
          {p.bbox === undefined ? '' : ` — box at ${Math.round(p.bbox[0])}, ${Math.round(p.bbox[1])}, ${Math.round(p.bbox[2])}×${Math.round(p.bbox[3])} px`}
        </li>
      ))}
    </ul>
  );
}
