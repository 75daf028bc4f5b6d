import { InvalidConfigError } from '../errors';
import { KEEPER_RULES, type KeeperRule } from './duplicates';
import { ISSUE_RULES, ISSUE_TYPES, type IssueType } from './issues';

/**
 * Default near-duplicate thresholds (cosine similarity of the default model's embeddings), set on bench/health's real
 * photos: there the most similar pair of different pictures (two quadrants of one flower photo) is 0.93 alike, so
 * embeddings alone need 0.95; re-encoded, resized and cropped copies are 0.88–0.96 alike their original, and all of
 * them pass at 0.8 once their layout hashes agree (bench/health prints both figures).
 */
export const DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.95;
export const DEFAULT_LAYOUT_THRESHOLD = 0.8;
/**
 * Outlier score = cosine distance to the nearest picture that is not a near duplicate (fastdup's nearest-neighbour
 * score, made copy-aware). On bench/health's real photos, where every original comes with nine derived copies, k = 1
 * flags the five planted out-of-domain images among 7 (71 % precision, all found); k = 2, 3, 5, 10 flagged 20, 37,
 * 38–53, 61 (25 %, 14 %, 9–13 %, 8 %): a small family of copies of one unusual photo sits as far from the rest as an
 * outlier does once its own members are skipped. Raise outlierK where outliers come in similar pairs or clusters,
 * which hide each other at k = 1.
 */
export const DEFAULT_OUTLIER_K = 1;

export interface HealthOptions {
  /** Cosine similarity (0, 1] at or above which two images are near duplicates. */
  nearDuplicateThreshold: number;
  /** Lower similarity (0, 1] that suffices when the two pictures' layout (difference hash) agrees. */
  layoutThreshold: number;
  /** Which copy of a duplicate group is kept. */
  keeper: KeeperRule;
  /** Outlier score = cosine distance to the k-th nearest neighbour that is not a near duplicate (default 1). */
  outlierK: number;
  /** Absolute outlier cut on that distance (0, 2]; default: relative to the dataset. */
  outlierThreshold?: number;
  /** Absolute thresholds per issue, in the measure's units (e.g. `{ dark: 0.15, blurry: 50 }`). */
  thresholds: Partial<Record<IssueType, number>>;
  /** Neighbour search: exact up to 20,000 images, ANN above (`auto`), or forced. */
  neighbours: 'auto' | 'exact' | 'ann';
}

/**
 * Validates health options from any face (CLI flags, REST body, n8n parameters, pipeline config). Errors name the
 * field: `options.nearDuplicateThreshold must be a number in (0, 1], got 1.5`.
 */
export function parseHealthOptions(raw: unknown, where = 'options'): HealthOptions {
  const obj = (raw ?? {}) as Record<string, unknown>;
  if (typeof obj !== 'object' || Array.isArray(obj)) throw new InvalidConfigError(`${where} must be an object`);
  const known = new Set(['nearDuplicateThreshold', 'layoutThreshold', 'keeper', 'outlierK', 'outlierThreshold', 'thresholds', 'neighbours']);
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) throw new InvalidConfigError(`${where}.${key} is not an option (known: ${[...known].join(', ')})`);
  }
  const number = (key: string, value: unknown, lo: number, hi: number, loOpen: boolean, integer = false): number => {
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (loOpen ? value > lo : value >= lo) &&
      value <= hi &&
      (!integer || Number.isInteger(value));
    if (!ok) {
      const range = `${loOpen ? '(' : '['}${lo}, ${hi}]`;
      throw new InvalidConfigError(`${where}.${key} must be ${integer ? 'an integer' : 'a number'} in ${range}, got ${JSON.stringify(value)}`);
    }
    return value as number;
  };
  const options: HealthOptions = {
    nearDuplicateThreshold:
      obj.nearDuplicateThreshold === undefined ? DEFAULT_NEAR_DUPLICATE_THRESHOLD : number('nearDuplicateThreshold', obj.nearDuplicateThreshold, 0, 1, true),
    layoutThreshold: obj.layoutThreshold === undefined ? DEFAULT_LAYOUT_THRESHOLD : number('layoutThreshold', obj.layoutThreshold, 0, 1, true),
    keeper: 'largest',
    outlierK: obj.outlierK === undefined ? DEFAULT_OUTLIER_K : number('outlierK', obj.outlierK, 1, 100, false, true),
    thresholds: {},
    neighbours: 'auto',
  };
  if (obj.outlierThreshold !== undefined) options.outlierThreshold = number('outlierThreshold', obj.outlierThreshold, 0, 2, true);
  if (obj.keeper !== undefined) {
    if (!KEEPER_RULES.includes(obj.keeper as KeeperRule)) {
      throw new InvalidConfigError(`${where}.keeper must be one of ${KEEPER_RULES.join(', ')}, got ${JSON.stringify(obj.keeper)}`);
    }
    options.keeper = obj.keeper as KeeperRule;
  }
  if (obj.neighbours !== undefined) {
    if (!['auto', 'exact', 'ann'].includes(obj.neighbours as string)) {
      throw new InvalidConfigError(`${where}.neighbours must be one of auto, exact, ann, got ${JSON.stringify(obj.neighbours)}`);
    }
    options.neighbours = obj.neighbours as HealthOptions['neighbours'];
  }
  if (obj.thresholds !== undefined) {
    if (typeof obj.thresholds !== 'object' || obj.thresholds === null || Array.isArray(obj.thresholds)) {
      throw new InvalidConfigError(`${where}.thresholds must be an object like {"dark": 0.15}`);
    }
    for (const [type, value] of Object.entries(obj.thresholds)) {
      if (!ISSUE_TYPES.includes(type as IssueType)) {
        throw new InvalidConfigError(`${where}.thresholds.${type} is not an issue type (known: ${ISSUE_TYPES.join(', ')})`);
      }
      const [lo, hi] = ISSUE_RULES[type as IssueType].range;
      options.thresholds[type as IssueType] = number(`thresholds.${type}`, value, lo, hi, false);
    }
  }
  return options;
}
