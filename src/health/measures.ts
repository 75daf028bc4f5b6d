import { createHash } from 'node:crypto';

/**
 * Per-image facts for dataset health, computed in the embed pass from the bytes already read and the pixels already
 * decoded for the model (no second read of the file).
 *
 * Pixel measures are taken on the model-size RGB (e.g. 224×224): every image is judged at the same scale, so
 * "sharp" and "blurry" mean the same thing for a 12-megapixel photo and a thumbnail, and the cost is fixed per image.
 */
export interface ImageMeasures {
  fileName: string;
  /** SHA-256 of the file's bytes, hex: equal only for byte-identical files. */
  sha256: string;
  /**
   * SHA-256 (first 32 hex) of the decoded, model-size RGB: equal for the same picture saved again without loss (a PNG
   * of a decoded JPEG, another PNG compression level, metadata stripped). JPEG and WebP images of twice the model size
   * or more are shrunk while decoding, which rounds differently from a PNG's resize: such pairs are left to the
   * near-duplicate search (where their layout hashes agree).
   */
  pixelHash: string;
  /** 64-bit difference hash (dHash) of the grey image, hex: a few bits apart for re-encoded or resized copies. */
  dHash: string;
  /** Variance of the 4-neighbour Laplacian of the grey image (0–255 scale); low = blurry. */
  sharpness: number;
  /** Mean grey level, 0–1. */
  brightness: number;
  /** RMS contrast: standard deviation of the grey level, 0–0.5. */
  contrast: number;
  /** 99th percentile of the grey level, 0–1: how bright the brightest parts are (low for a dim, underexposed picture). */
  highlight: number;
  /** 1st percentile of the grey level, 0–1: how dark the darkest parts are (high for a washed-out picture). */
  shadow: number;
  /** Fraction of pixels with grey below 0.1 (near black). */
  darkFraction: number;
  /** Fraction of pixels with grey above 0.95 (near white, blown highlights). */
  overexposedFraction: number;
  /** Shannon entropy of the grey histogram, bits (0–8); low = little information. */
  entropy: number;
  /** Hasler–Süsstrunk colourfulness (0 for grey images, ~100+ for saturated scenes). */
  colourfulness: number;
  /** Per-channel mean and standard deviation (R, G, B), 0–1, as Lightly's `mean` and `std`. */
  mean: [number, number, number];
  std: [number, number, number];
  /** Fraction of rows whose pixels are (nearly) all the same grey: borders, letterboxing, blank frames. */
  uniformRowRatio: number;
  /** Original image size after EXIF rotation, pixels. */
  width: number;
  height: number;
  /** width / height. */
  aspectRatio: number;
  sizeInBytes: number;
}

export interface MeasureInput {
  fileName: string;
  /** The file's bytes as read for decoding. */
  bytes: Uint8Array;
  /** Decoded RGB, `rgbWidth × rgbHeight × 3`, row-major. */
  rgb: Uint8Array;
  rgbWidth: number;
  rgbHeight: number;
  /** The original size (after EXIF orientation). */
  width: number;
  height: number;
}

const DARK_GREY = 0.1 * 255;
const BRIGHT_GREY = 0.95 * 255;
/** A row counts as uniform when its grey levels' standard deviation is under 2 of 255. */
const UNIFORM_ROW_STD = 2;

/**
 * Computes every measure of one image in two passes over the model-size pixels.
 *
 * @example
 * measureImage({ fileName: 'a.jpg', bytes, rgb, rgbWidth: 224, rgbHeight: 224, width: 640, height: 480 })
 * // { fileName: 'a.jpg', sha256: '9f86…', pixelHash: '1c0d…', dHash: 'f0e1d2c3b4a59687', sharpness: 812.4,
 * //   brightness: 0.46, contrast: 0.21, darkFraction: 0.03, overexposedFraction: 0, entropy: 7.4, colourfulness: 38.2,
 * //   mean: [0.5, 0.45, 0.41], std: [0.22, 0.21, 0.23], uniformRowRatio: 0, width: 640, height: 480,
 * //   aspectRatio: 1.333, sizeInBytes: 48213 }
 */
export function measureImage(input: MeasureInput): ImageMeasures {
  const { rgb, rgbWidth: w, rgbHeight: h } = input;
  const n = w * h;
  const grey = new Float32Array(n);
  const histogram = new Uint32Array(256);
  let sumR = 0;
  let sumG = 0;
  let sumB = 0;
  let sqR = 0;
  let sqG = 0;
  let sqB = 0;
  let sumGrey = 0;
  let sqGrey = 0;
  let dark = 0;
  let bright = 0;
  // Colourfulness terms: rg = R − G, yb = (R + G)/2 − B.
  let sumRg = 0;
  let sqRg = 0;
  let sumYb = 0;
  let sqYb = 0;
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const r = rgb[i];
    const g = rgb[i + 1];
    const b = rgb[i + 2];
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    grey[p] = y;
    histogram[Math.min(255, Math.round(y))]++;
    sumR += r;
    sumG += g;
    sumB += b;
    sqR += r * r;
    sqG += g * g;
    sqB += b * b;
    sumGrey += y;
    sqGrey += y * y;
    if (y < DARK_GREY) dark++;
    else if (y > BRIGHT_GREY) bright++;
    const rg = r - g;
    const yb = 0.5 * (r + g) - b;
    sumRg += rg;
    sqRg += rg * rg;
    sumYb += yb;
    sqYb += yb * yb;
  }
  const meanOf = (s: number) => s / n;
  const stdOf = (s: number, sq: number) => Math.sqrt(Math.max(0, sq / n - (s / n) ** 2));

  const percentile = (q: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) {
      seen += histogram[v];
      if (seen >= q * n) return v / 255;
    }
    return 1;
  };
  let entropy = 0;
  for (const count of histogram) {
    if (count === 0) continue;
    const q = count / n;
    entropy -= q * Math.log2(q);
  }

  const stdRg = stdOf(sumRg, sqRg);
  const stdYb = stdOf(sumYb, sqYb);
  const colourfulness = Math.hypot(stdRg, stdYb) + 0.3 * Math.hypot(meanOf(sumRg), meanOf(sumYb));

  return {
    fileName: input.fileName,
    sha256: createHash('sha256').update(input.bytes).digest('hex'),
    pixelHash: createHash('sha256').update(rgb).digest('hex').slice(0, 32),
    dHash: differenceHash(grey, w, h),
    sharpness: round(laplacianVariance(grey, w, h), 3),
    brightness: round(meanOf(sumGrey) / 255, 5),
    contrast: round(stdOf(sumGrey, sqGrey) / 255, 5),
    highlight: round(percentile(0.99), 4),
    shadow: round(percentile(0.01), 4),
    darkFraction: round(dark / n, 5),
    overexposedFraction: round(bright / n, 5),
    entropy: round(entropy, 4),
    colourfulness: round(colourfulness, 3),
    mean: [round(meanOf(sumR) / 255, 5), round(meanOf(sumG) / 255, 5), round(meanOf(sumB) / 255, 5)],
    std: [round(stdOf(sumR, sqR) / 255, 5), round(stdOf(sumG, sqG) / 255, 5), round(stdOf(sumB, sqB) / 255, 5)],
    uniformRowRatio: round(uniformRows(grey, w, h) / h, 5),
    width: input.width,
    height: input.height,
    aspectRatio: round(input.width / Math.max(1, input.height), 5),
    sizeInBytes: input.bytes.length,
  };
}

/** Variance of the 3×3 Laplacian (0 1 0 / 1 −4 1 / 0 1 0) over the interior pixels, as OpenCV's usual blur score. */
function laplacianVariance(grey: Float32Array, w: number, h: number): number {
  if (w < 3 || h < 3) return 0;
  let sum = 0;
  let sq = 0;
  for (let y = 1; y < h - 1; y++) {
    const row = y * w;
    for (let x = 1; x < w - 1; x++) {
      const p = row + x;
      const v = grey[p - w] + grey[p + w] + grey[p - 1] + grey[p + 1] - 4 * grey[p];
      sum += v;
      sq += v * v;
    }
  }
  const count = (w - 2) * (h - 2);
  return Math.max(0, sq / count - (sum / count) ** 2);
}

function uniformRows(grey: Float32Array, w: number, h: number): number {
  let uniform = 0;
  for (let y = 0; y < h; y++) {
    let s = 0;
    let sq = 0;
    for (let x = y * w, end = x + w; x < end; x++) {
      s += grey[x];
      sq += grey[x] * grey[x];
    }
    const variance = sq / w - (s / w) ** 2;
    if (variance < UNIFORM_ROW_STD * UNIFORM_ROW_STD) uniform++;
  }
  return uniform;
}

/** dHash: box-average the grey image to 9×8, one bit per horizontal neighbour pair (left brighter than right). */
function differenceHash(grey: Float32Array, w: number, h: number): string {
  const cells = new Float64Array(72);
  const counts = new Uint32Array(72);
  for (let y = 0; y < h; y++) {
    const cy = Math.min(7, Math.floor((y * 8) / h));
    for (let x = 0; x < w; x++) {
      const c = cy * 9 + Math.min(8, Math.floor((x * 9) / w));
      cells[c] += grey[y * w + x];
      counts[c]++;
    }
  }
  let hex = '';
  for (let row = 0; row < 8; row++) {
    let byte = 0;
    for (let col = 0; col < 8; col++) {
      const left = cells[row * 9 + col] / Math.max(1, counts[row * 9 + col]);
      const right = cells[row * 9 + col + 1] / Math.max(1, counts[row * 9 + col + 1]);
      byte = (byte << 1) | (left > right ? 1 : 0);
    }
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Number of differing bits between two dHashes (0–64). */
export function hammingDistance(a: string, b: string): number {
  let bits = 0;
  for (let i = 0; i < a.length; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    while (x !== 0) {
      x &= x - 1;
      bits++;
    }
  }
  return bits;
}

/**
 * The measures as a sample's `metaData` on the platform, in the shape Lightly's worker gives its own image metadata
 * (`sharpness`, `luminance` 0–100, `sizeInBytes`, `snr`, `uniformRowRatio`, `mean`, `std`, `shape` [h, w, c]) so
 * selections address them as `lightly.sharpness`, …; the measures Lightly has no field for sit beside them under
 * the same names as in `ImageMeasures` (`lightly.contrast`, `lightly.darkFraction`, …).
 *
 * @example
 * toLightlyMetaData(m) // { sharpness: 812.4, luminance: 46, sizeInBytes: 48213, snr: 2.19, uniformRowRatio: 0,
 * //   mean: [0.5, 0.45, 0.41], std: [0.22, 0.21, 0.23], shape: [480, 640, 3], width: 640, height: 480, contrast: 0.21, … }
 */
export function toLightlyMetaData(m: ImageMeasures): Record<string, unknown> {
  return {
    sharpness: m.sharpness,
    luminance: round(m.brightness * 100, 3),
    sizeInBytes: m.sizeInBytes,
    snr: m.contrast > 0 ? round(m.brightness / m.contrast, 4) : 0,
    uniformRowRatio: m.uniformRowRatio,
    mean: m.mean,
    std: m.std,
    shape: [m.height, m.width, 3],
    width: m.width,
    height: m.height,
    aspectRatio: m.aspectRatio,
    contrast: m.contrast,
    highlight: m.highlight,
    shadow: m.shadow,
    darkFraction: m.darkFraction,
    overexposedFraction: m.overexposedFraction,
    entropy: m.entropy,
    colourfulness: m.colourfulness,
    sha256: m.sha256,
    pixelHash: m.pixelHash,
    dHash: m.dHash,
  };
}

/** Reads measures back from a platform sample's `metaData` (undefined when the sample was never measured). */
export function fromLightlyMetaData(fileName: string, meta: Record<string, unknown> | undefined): ImageMeasures | undefined {
  if (meta === undefined || typeof meta.sha256 !== 'string' || typeof meta.sharpness !== 'number') return undefined;
  const num = (k: string) => (typeof meta[k] === 'number' ? (meta[k] as number) : 0);
  const triple = (k: string): [number, number, number] => {
    const v = meta[k];
    return Array.isArray(v) && v.length === 3 ? [Number(v[0]), Number(v[1]), Number(v[2])] : [0, 0, 0];
  };
  return {
    fileName,
    sha256: meta.sha256,
    pixelHash: String(meta.pixelHash ?? ''),
    dHash: String(meta.dHash ?? ''),
    sharpness: num('sharpness'),
    brightness: num('luminance') / 100,
    contrast: num('contrast'),
    highlight: num('highlight'),
    shadow: num('shadow'),
    darkFraction: num('darkFraction'),
    overexposedFraction: num('overexposedFraction'),
    entropy: num('entropy'),
    colourfulness: num('colourfulness'),
    mean: triple('mean'),
    std: triple('std'),
    uniformRowRatio: num('uniformRowRatio'),
    width: num('width'),
    height: num('height'),
    aspectRatio: num('aspectRatio'),
    sizeInBytes: num('sizeInBytes'),
  };
}
