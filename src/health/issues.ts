import type { ImageMeasures } from './measures';

/**
 * Quality issues, each a test on one measure. The cut is relative to the dataset (median ± z robust standard
 * deviations, as cleanvision judges each image against its dataset) and held inside an absolute window, so a
 * dataset of night shots does not flag its brightest half as "dark" and one of studio shots still flags a black
 * frame. An absolute threshold given by the user replaces the cut.
 */
export interface IssueRule {
  /** What is tested, in the measure's own units (what a user's absolute threshold is given in). */
  measure: string;
  /** `low`: an image is flagged below the cut; `high`: above it. */
  tail: 'low' | 'high';
  value: (m: ImageMeasures) => number;
  /** Robust z of the relative cut. */
  z: number;
  /** The cut never leaves [min, max] (in the measure's units). */
  window: [number, number];
  /** The range a user's absolute threshold must lie in. */
  range: [number, number];
  /** Work on log(value) for the relative cut (measures spread over orders of magnitude). */
  log?: boolean;
}

/**
 * Default rules. Windows and z were set on the real photos of bench/health (scikit-image's, scikit-learn's and
 * matplotlib's photos and their derived copies): there 95 % of the blurred copies (Gaussian radius 3) have a relative
 * sharpness under 0.18 and their median is 0.004, while 95 % of the originals are above 0.05 (median 0.3); darkened
 * copies (× 0.25) keep their highlights under 0.25, a real night shot there (rocket launch) reaches 0.33.
 */
export const ISSUE_RULES = {
  // Laplacian variance over grey variance: the share of the picture's contrast in fine detail. Unlike the raw
  // Laplacian variance it does not call a dim or low-contrast picture blurry, nor a noisy bright one sharp.
  blurry: {
    measure: 'sharpness / grey variance',
    tail: 'low',
    value: (m) => m.sharpness / Math.max(1e-6, (m.contrast * 255) ** 2),
    z: 2.5,
    window: [0.005, 0.05],
    range: [0, 1e3],
    log: true,
  },
  // The brightest 1 % of the pixels: a night scene still has lights and highlights, an underexposed frame has none.
  dark: { measure: 'highlight (99th percentile grey)', tail: 'low', value: (m) => m.highlight, z: 3, window: [0.2, 0.3], range: [0, 1] },
  light: { measure: 'brightness', tail: 'high', value: (m) => m.brightness, z: 2, window: [0.6, 0.85], range: [0, 1] },
  overexposed: { measure: 'overexposedFraction', tail: 'high', value: (m) => m.overexposedFraction, z: 3, window: [0.05, 0.3], range: [0, 1] },
  lowInformation: { measure: 'entropy', tail: 'low', value: (m) => m.entropy, z: 3, window: [2, 4], range: [0, 8] },
  oddAspectRatio: {
    measure: 'aspectRatio (long side / short side)',
    tail: 'high',
    value: (m) => (m.aspectRatio >= 1 ? m.aspectRatio : 1 / Math.max(1e-9, m.aspectRatio)),
    z: 3,
    window: [2, 4],
    range: [1, 1e4],
    log: true,
  },
  oddSize: { measure: 'pixels (width × height)', tail: 'low', value: (m) => m.width * m.height, z: 3, window: [32 * 32, 128 * 128], range: [0, 1e9], log: true },
} satisfies Record<string, IssueRule>;

export type IssueType = keyof typeof ISSUE_RULES;
export const ISSUE_TYPES = Object.keys(ISSUE_RULES) as IssueType[];

export interface IssueList {
  measure: string;
  tail: 'low' | 'high';
  /** The cut used, in the measure's units. */
  threshold: number;
  /** `dataset`: median ± z·σ of this dataset, clamped into the window; `absolute`: given by the user. */
  source: 'dataset' | 'absolute';
  /** Flagged images, worst first. */
  files: Array<{ fileName: string; value: number }>;
}

/**
 * Flags every measured image against each rule.
 *
 * @example
 * findIssues(measures, { dark: 0.2 }) // { dark: { threshold: 0.2, source: 'absolute', files: [{ fileName: 'night.jpg', value: 0.08 }] }, blurry: …, … }
 */
export function findIssues(measures: readonly ImageMeasures[], absolute: Partial<Record<IssueType, number>> = {}): Record<IssueType, IssueList> {
  const out = {} as Record<IssueType, IssueList>;
  for (const type of ISSUE_TYPES) {
    const rule: IssueRule = ISSUE_RULES[type];
    const values = measures.map((m) => rule.value(m));
    const given = absolute[type];
    const threshold = given ?? relativeCut(values, rule);
    const files: IssueList['files'] = [];
    measures.forEach((m, i) => {
      const v = values[i];
      if (rule.tail === 'low' ? v < threshold : v > threshold) files.push({ fileName: m.fileName, value: v });
    });
    files.sort((a, b) => (rule.tail === 'low' ? a.value - b.value : b.value - a.value));
    out[type] = { measure: rule.measure, tail: rule.tail, threshold: round(threshold), source: given === undefined ? 'dataset' : 'absolute', files };
  }
  return out;
}

/** median ∓ z × 1.4826 × MAD (on log values where the rule says so), clamped into the rule's window. */
export function relativeCut(values: readonly number[], rule: Pick<IssueRule, 'tail' | 'z' | 'window' | 'log'>): number {
  const [lo, hi] = rule.window;
  if (values.length === 0) return rule.tail === 'low' ? lo : hi;
  const t = (v: number) => (rule.log ? Math.log(Math.max(v, 1e-9)) : v);
  const back = (v: number) => (rule.log ? Math.exp(v) : v);
  const xs = values.map(t);
  const med = median(xs);
  const sigma = 1.4826 * median(xs.map((x) => Math.abs(x - med)));
  const cut = back(rule.tail === 'low' ? med - rule.z * sigma : med + rule.z * sigma);
  return Math.min(hi, Math.max(lo, cut));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function round(x: number): number {
  return Math.abs(x) >= 100 ? Math.round(x * 100) / 100 : Math.round(x * 1e5) / 1e5;
}
