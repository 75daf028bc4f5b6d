import { useEffect, useState, type ReactElement, type RefObject } from 'react';
import type { Api, SampleTaskPredictions } from '../api';
import './prediction-overlay.css';

type Singleton = SampleTaskPredictions['predictions'][number];

// Box colours by category id: dark enough for white label text (WCAG AA at the label size), distinct side by side.
const PALETTE = ['#b3261e', '#1d5fbf', '#1b7a3a', '#8a4bc2', '#a15c00', '#00707a', '#c2185b', '#4a5a6a'];
// Label text height in CSS pixels, whatever the image's scale on screen.
const LABEL_PX = 13;
// Classification: how many classes the list shows.
const TOP_CLASSES = 3;

export const categoryColour = (id: number) => PALETTE[((id % PALETTE.length) + PALETTE.length) % PALETTE.length];
const categoryName = (task: SampleTaskPredictions, id: number) => task.categories.find((c) => c.id === id)?.name ?? `#${id}`;
const percent = (p: number) => `${(p * 100).toFixed(p >= 0.995 || p < 0.1 ? 1 : 0)}%`;

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
 * detection boxes with "class score" labels, and for classification the predicted class and its probability in the
 * top left corner. Scales with the image (fit or actual size); the text stays readable at any scale.
 */
export function PredictionOverlay({ tasks, image }: { tasks: SampleTaskPredictions[] | null; image: RefObject<HTMLImageElement | null> }) {
  const frame = useImageFrame(image);
  if (frame === null || tasks === null || tasks.length === 0) return null;
  const scale = frame.naturalWidth / Math.max(1, frame.width);
  const font = LABEL_PX * scale;
  const pad = 3 * scale;
  const label = (key: string, x: number, y: number, text: string, colour: string) => (
    <g key={key}>
      <rect x={x} y={y} width={text.length * font * 0.6 + 2 * pad} height={font + 2 * pad} fill={colour} />
      <text x={x + pad} y={y + pad + font * 0.85} fontSize={font}>
        {text}
      </text>
    </g>
  );
  const items: ReactElement[] = [];
  const described: string[] = [];
  let classificationRow = 0;
  for (const task of tasks) {
    if (task.task_type === 'classification') {
      const p = task.predictions[0];
      if (p === undefined) continue;
      const c = confidence(task, p);
      const text = `${categoryName(task, p.category_id)}${c === undefined ? '' : ` ${percent(c)}`}`;
      // Bottom left: the top edge is where detection boxes put their labels.
      items.push(label(`${task.task}-class`, 0, frame.naturalHeight - ++classificationRow * (font + 2 * pad), text, categoryColour(p.category_id)));
      described.push(`${task.task}: ${text}`);
      continue;
    }
    task.predictions.forEach((p, k) => {
      if (p.bbox === undefined) return;
      const [x, y, w, h] = p.bbox;
      const colour = categoryColour(p.category_id);
      const text = `${categoryName(task, p.category_id)}${p.score === undefined ? '' : ` ${p.score.toFixed(2)}`}`;
      items.push(
        <g key={`${task.task}-${k}`} data-testid="prediction-box">
          <rect className="box" x={x} y={y} width={w} height={h} stroke={colour} strokeWidth={2.5} vectorEffect="non-scaling-stroke" />
          {label('label', x, Math.max(0, y - font - 2 * pad), text, colour)}
        </g>,
      );
      described.push(`${task.task}: ${text}`);
    });
  }
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
