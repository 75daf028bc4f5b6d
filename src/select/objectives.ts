import { InvalidConfigError } from '../errors';
import { getMetadataValue } from '../metadata';
import { SeededRandom } from './random';
import type { SelectionInput, SelectionStrategy, SelectionStrategyEntry } from './selection-config';

/** Per-sample metadata by file name, as `metadataByFileName` of the metadata module builds it. */
export type MetadataByFileName = Map<string, Record<string, unknown>>;

/**
 * Smallest factor a static objective may take: the product of objectives is compared in log space, and log(0)
 * would let one zero weight outrank every other strategy's preference.
 */
export const MIN_FACTOR = 1e-6;

export interface ValueSources {
  fileNames: string[];
  metadata?: MetadataByFileName;
  scores?: MetadataByFileName;
  /** PREDICTIONS inputs: per file name `{ <task>: { CLASS_DISTRIBUTION, CATEGORY_COUNT, counts } }` (see src/predictions). */
  predictions?: MetadataByFileName;
}

/** Reads one strategy input's value for every row (undefined where absent), with clear errors for unusable keys. */
export function readInputValues(input: SelectionInput, sources: ValueSources, where: string, rows: ArrayLike<number>): unknown[] {
  if (input.type === 'PREDICTIONS') return readPredictionValues(input, sources, where, rows);
  const key = input.key ?? input.score ?? '';
  const path = input.type === 'SCORES' && input.task !== undefined ? `${input.task}.${key}` : key;
  const table = input.type === 'SCORES' ? (sources.scores ?? sources.metadata) : sources.metadata;
  if (table === undefined) {
    throw new InvalidConfigError(
      `${where}.input: ${input.type} input "${path}" needs ${input.type === 'SCORES' ? 'scores (--predictions DIR) or ' : ''}metadata (--metadata FILE)`,
    );
  }
  const values = new Array<unknown>(rows.length);
  let found = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = getMetadataValue(table.get(sources.fileNames[rows[i]]), path);
    values[i] = v;
    if (v !== undefined && v !== null) found++;
  }
  if (found === 0 && rows.length > 0) {
    throw new InvalidConfigError(`${where}.input.key: "${path}" is in no sample's metadata${describeKeys(table)}`);
  }
  return values;
}

/** PREDICTIONS: the predicted class (CLASS_DISTRIBUTION) or the object count (CATEGORY_COUNT, optionally of `categories`). */
function readPredictionValues(input: SelectionInput, sources: ValueSources, where: string, rows: ArrayLike<number>): unknown[] {
  const task = input.task ?? '';
  if (sources.predictions === undefined) throw new InvalidConfigError(`${where}.input: PREDICTIONS input of task "${task}" needs predictions (--predictions DIR)`);
  const values = new Array<unknown>(rows.length);
  let found = 0;
  for (let i = 0; i < rows.length; i++) {
    const value = sources.predictions.get(sources.fileNames[rows[i]])?.[task] as
      | { CLASS_DISTRIBUTION?: string; CATEGORY_COUNT: number; counts: Record<string, number> }
      | undefined;
    if (value === undefined) continue;
    found++;
    if (input.name === 'CLASS_DISTRIBUTION') values[i] = value.CLASS_DISTRIBUTION;
    else values[i] = input.categories === undefined ? value.CATEGORY_COUNT : input.categories.reduce((s, c) => s + (value.counts[c] ?? 0), 0);
  }
  if (found === 0 && rows.length > 0) throw new InvalidConfigError(`${where}.input.task: no sample has predictions of task "${task}"`);
  return values;
}

function describeKeys(table: MetadataByFileName): string {
  const keys = new Set<string>();
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      if (keys.size >= 20) return;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) walk(v as Record<string, unknown>, `${prefix}${k}.`);
      else keys.add(`${prefix}${k}`);
    }
  };
  let seen = 0;
  for (const obj of table.values()) {
    walk(obj, '');
    if (++seen >= 100) break;
  }
  return keys.size === 0 ? '' : ` (keys seen: ${[...keys].join(', ')})`;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/** Whether each value passes a THRESHOLD strategy; absent and non-comparable values fail it. */
export function passesThreshold(values: unknown[], strategy: SelectionStrategy): Uint8Array {
  const pass = new Uint8Array(values.length);
  const { threshold, operation, range, equals } = strategy;
  const set = strategy.in === undefined ? undefined : new Set<unknown>(strategy.in);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let ok = false;
    if (set !== undefined) ok = set.has(v);
    else if (equals !== undefined) ok = v === equals;
    else {
      const x = toNumber(v);
      if (x !== undefined) {
        if (range !== undefined) ok = (range.min === undefined || x >= range.min) && (range.max === undefined || x <= range.max);
        else if (threshold !== undefined) {
          switch (operation) {
            case 'SMALLER':
              ok = x < threshold;
              break;
            case 'SMALLER_EQUAL':
              ok = x <= threshold;
              break;
            case 'BIGGER':
              ok = x > threshold;
              break;
            case 'BIGGER_EQUAL':
              ok = x >= threshold;
              break;
          }
        }
      }
    }
    pass[i] = ok ? 1 : 0;
  }
  return pass;
}

/**
 * WEIGHTS: values min–max scaled over the candidates into [MIN_FACTOR, 1], so a higher value is preferred and the
 * strength acts as an exponent on a common scale. Missing values count as the smallest.
 */
export function weightFactors(values: unknown[], where: string, fileNames: string[], rows: ArrayLike<number>): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  const numbers = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined || v === null) {
      numbers[i] = NaN;
      continue;
    }
    const x = toNumber(v);
    if (x === undefined) {
      throw new InvalidConfigError(
        `${where}.input.key: WEIGHTS needs numbers, but ${fileNames[rows[i]]} has ${JSON.stringify(v)}`,
      );
    }
    numbers[i] = x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const out = new Float32Array(values.length);
  const span = max - min;
  for (let i = 0; i < values.length; i++) {
    const x = numbers[i];
    out[i] = Number.isNaN(x) ? MIN_FACTOR : span > 0 ? MIN_FACTOR + (1 - MIN_FACTOR) * ((x - min) / span) : 1;
  }
  return out;
}

/** RANDOM: one seeded value in (0, 1] per candidate, drawn in row order so it does not depend on thresholds elsewhere. */
export function randomFactors(seed: number, totalRows: number, rows: ArrayLike<number>): Float32Array {
  const random = new SeededRandom(seed);
  const all = new Float32Array(totalRows);
  for (let i = 0; i < totalRows; i++) all[i] = random.nextOpenUnit();
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = all[rows[i]];
  return out;
}

export interface BalancePlan {
  /** Category index per candidate. */
  category: Int32Array;
  /** Category names in index order. */
  names: string[];
  /** Target fraction per category. */
  targets: Float64Array;
  strength: number;
  label: string;
}

/** The category a value falls in; absent values share one category so they are balanced like any other. */
function categoryName(value: unknown): string {
  if (value === undefined || value === null) return '(missing)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * BALANCE: category per candidate and the target share of each. TARGET names fractions and shares the remainder
 * equally among the unnamed categories (as Lightly does); UNIFORM gives every category the same share; INPUT keeps
 * the candidates' own proportions.
 */
export function planBalance(values: unknown[], strategy: SelectionStrategy, label: string): BalancePlan {
  const index = new Map<string, number>();
  const names: string[] = [];
  const category = new Int32Array(values.length);
  const counts: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const name = categoryName(values[i]);
    let c = index.get(name);
    if (c === undefined) {
      c = names.length;
      index.set(name, c);
      names.push(name);
      counts.push(0);
    }
    category[i] = c;
    counts[c]++;
  }
  const targets = new Float64Array(names.length);
  const distribution = strategy.distribution ?? 'TARGET';
  if (distribution === 'UNIFORM') targets.fill(1 / Math.max(names.length, 1));
  else if (distribution === 'INPUT') names.forEach((_, c) => (targets[c] = counts[c] / values.length));
  else {
    const target = strategy.target ?? {};
    const named = names.filter((n) => n in target);
    const remainder = Math.max(0, 1 - named.reduce((s, n) => s + target[n], 0));
    const others = names.length - named.length;
    names.forEach((n, c) => (targets[c] = n in target ? target[n] : others > 0 ? remainder / others : 0));
  }
  return { category, names, targets, strength: strategy.strength ?? 1, label };
}

/** A static objective: one factor in (0, 1] per candidate, raised to `strength` in the product. */
export interface StaticTerm {
  label: string;
  strength: number;
  /** Factor per candidate (candidate order). */
  factors: Float32Array;
}

/** Names each strategy's term in `reason.strategies`: the type, plus the key when there is one. */
export function termLabel(entry: SelectionStrategyEntry): string {
  const { input, strategy } = entry;
  if (input.type === 'PREDICTIONS') return `${strategy.type}:${input.task}.${input.name}`;
  if (input.type === 'EMBEDDINGS' && input.task !== undefined) return `${strategy.type}:${input.task}.objects`;
  const key = input.key ?? input.score;
  if (key !== undefined) return `${strategy.type}:${input.type === 'SCORES' && input.task ? `${input.task}.` : ''}${key}`;
  return strategy.type;
}
