/**
 * Draws a scatter of up to millions of points by writing pixels into one ImageData, not one canvas call per point:
 * 100,000 points take a few milliseconds where `fillRect` per point takes hundreds.
 */

export interface ScatterView {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  width: number;
  height: number;
  /** Empty border in pixels so edge points are whole. */
  pad: number;
}

export function fitView(xs: ArrayLike<number>, ys: ArrayLike<number>, width: number, height: number, pad = 8): ScatterView {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] < minX) minX = xs[i];
    if (xs[i] > maxX) maxX = xs[i];
    if (ys[i] < minY) minY = ys[i];
    if (ys[i] > maxY) maxY = ys[i];
  }
  if (!Number.isFinite(minX)) [minX, maxX, minY, maxY] = [0, 1, 0, 1];
  if (maxX === minX) maxX = minX + 1;
  if (maxY === minY) maxY = minY + 1;
  return { minX, maxX, minY, maxY, width, height, pad };
}

/** Pixel position of data point (x, y); y grows upwards in data and downwards on screen. */
export function toPixel(view: ScatterView, x: number, y: number): [number, number] {
  const w = view.width - 2 * view.pad;
  const h = view.height - 2 * view.pad;
  return [view.pad + ((x - view.minX) / (view.maxX - view.minX)) * w, view.pad + (1 - (y - view.minY) / (view.maxY - view.minY)) * h];
}

/** Writes each point as a `size`×`size` square of its RGBA colour (`colors` holds 4 bytes a point). */
export function drawPoints(
  image: ImageData,
  view: ScatterView,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  colors: Uint8ClampedArray,
  size = 3,
  order?: ArrayLike<number>,
): void {
  const { data, width, height } = image;
  const w = view.width - 2 * view.pad;
  const h = view.height - 2 * view.pad;
  const sx = w / (view.maxX - view.minX);
  const sy = h / (view.maxY - view.minY);
  const half = size >> 1;
  const n = order ? order.length : xs.length;
  for (let k = 0; k < n; k++) {
    const i = order ? order[k] : k;
    const px = Math.round(view.pad + (xs[i] - view.minX) * sx) - half;
    const py = Math.round(view.pad + h - (ys[i] - view.minY) * sy) - half;
    const r = colors[i * 4];
    const g = colors[i * 4 + 1];
    const b = colors[i * 4 + 2];
    const a = colors[i * 4 + 3];
    for (let dy = 0; dy < size; dy++) {
      const y = py + dy;
      if (y < 0 || y >= height) continue;
      let o = (y * width + px) * 4;
      for (let dx = 0; dx < size; dx++, o += 4) {
        const x = px + dx;
        if (x < 0 || x >= width) continue;
        data[o] = r;
        data[o + 1] = g;
        data[o + 2] = b;
        data[o + 3] = a;
      }
    }
  }
}

/** Ray-casting point-in-polygon over pixel coordinates. */
export function insidePolygon(x: number, y: number, polygon: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// Eight stops of viridis: perceptually even and readable by most colour-blind viewers.
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [70, 50, 126],
  [54, 92, 141],
  [39, 127, 142],
  [31, 161, 135],
  [74, 193, 109],
  [160, 218, 57],
  [253, 231, 37],
];

export function viridis(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

// Tableau 10: distinct categories at a glance.
export const CATEGORY_COLOURS: [number, number, number][] = [
  [78, 121, 167],
  [242, 142, 43],
  [225, 87, 89],
  [118, 183, 178],
  [89, 161, 79],
  [237, 201, 72],
  [176, 122, 161],
  [255, 157, 167],
  [156, 117, 95],
  [186, 176, 172],
];

/** The view zoomed by `factor` (> 1 zooms in) around pixel (px, py), which stays under the pointer. */
export function zoomView(view: ScatterView, px: number, py: number, factor: number): ScatterView {
  const w = view.width - 2 * view.pad;
  const h = view.height - 2 * view.pad;
  const x = view.minX + ((px - view.pad) / w) * (view.maxX - view.minX);
  const y = view.minY + (1 - (py - view.pad) / h) * (view.maxY - view.minY);
  return {
    ...view,
    minX: x - (x - view.minX) / factor,
    maxX: x + (view.maxX - x) / factor,
    minY: y - (y - view.minY) / factor,
    maxY: y + (view.maxY - y) / factor,
  };
}

/** The view moved by (dx, dy) pixels, as a drag moves the map. */
export function panView(view: ScatterView, dx: number, dy: number): ScatterView {
  const sx = (view.maxX - view.minX) / (view.width - 2 * view.pad);
  const sy = (view.maxY - view.minY) / (view.height - 2 * view.pad);
  return { ...view, minX: view.minX - dx * sx, maxX: view.maxX - dx * sx, minY: view.minY + dy * sy, maxY: view.maxY + dy * sy };
}

/** The point nearest pixel (px, py) within `radius` pixels, or -1. */
export function nearestPoint(view: ScatterView, xs: ArrayLike<number>, ys: ArrayLike<number>, px: number, py: number, radius: number): number {
  let best = -1;
  let bestD = radius * radius;
  for (let i = 0; i < xs.length; i++) {
    const [x, y] = toPixel(view, xs[i], ys[i]);
    const d = (x - px) ** 2 + (y - py) ** 2;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}
