import type { EmbeddingMatrix } from '../embeddings/matrix';
import { InvalidConfigError, InvalidInputError } from '../errors';
import type { SelectionStrategyEntry } from './selection-config';

/**
 * Object-level DIVERSITY (Lightly's `{"input": {"type": "EMBEDDINGS", "task": "<detection task>"}, "strategy":
 * {"type": "DIVERSITY"}}`): images are selected through their objects. Each object crop has an embedding; an
 * image's diversity is the distance of its most novel object to the nearest object of any image selected so far
 * (k-center over objects, with images as the unit of selection), so each pick brings the object least like every
 * object already chosen, and all of a picked image's objects become centres at once.
 */

/** The separator between an image's file name and the index of its object in an object-embedding row name. */
export const OBJECT_NAME_SEPARATOR = '#';

/**
 * The row name of an object crop: the image's file name, `#`, the prediction's index in the image's file.
 *
 * Example: `objectRowName('sub/a.jpg', 2)` → `'sub/a.jpg#2'`.
 */
export function objectRowName(fileName: string, index: number): string {
  return `${fileName}${OBJECT_NAME_SEPARATOR}${index}`;
}

/**
 * The image and object index of a row name, or undefined when it is not one.
 *
 * Example: `parseObjectRowName('sub/a#b.jpg#2')` → `{ fileName: 'sub/a#b.jpg', index: 2 }`.
 */
export function parseObjectRowName(name: string): { fileName: string; index: number } | undefined {
  const at = name.lastIndexOf(OBJECT_NAME_SEPARATOR);
  if (at <= 0) return undefined;
  const index = Number(name.slice(at + 1));
  if (!Number.isInteger(index) || index < 0 || name.slice(at + 1) !== String(index)) return undefined;
  return { fileName: name.slice(0, at), index };
}

/** Object-crop embeddings per detection task, each with where it was read from (for error locations). */
export type ObjectEmbeddingsByTask = Record<string, { objects: EmbeddingMatrix; source: string }>;

/**
 * The object embeddings a DIVERSITY entry on `{ type: 'EMBEDDINGS', task }` reads, or undefined for image-level
 * DIVERSITY. Object-level DIVERSITY combines with WEIGHTS, THRESHOLD and RANDOM terms; the strategies that need
 * image-level neighbourhoods or categories (COVERAGE, TYPICALITY, SIMILARITY, BALANCE) are refused with the field.
 */
export function objectEmbeddingsFor(
  diversity: { entry: SelectionStrategyEntry; where: string },
  entries: ReadonlyArray<{ entry: SelectionStrategyEntry; where: string }>,
  available: ObjectEmbeddingsByTask | undefined,
): ObjectEmbeddingsByTask[string] | undefined {
  const task = diversity.entry.input.task;
  if (task === undefined) return undefined;
  for (const { entry, where } of entries) {
    if (['COVERAGE', 'TYPICALITY', 'SIMILARITY', 'BALANCE'].includes(entry.strategy.type)) {
      throw new InvalidConfigError(`${where}.strategy.type: ${entry.strategy.type} cannot be combined with object-level DIVERSITY (${diversity.where}.input.task)`);
    }
  }
  const found = available?.[task];
  if (found === undefined) {
    const known = Object.keys(available ?? {});
    throw new InvalidConfigError(
      `${diversity.where}.input.task: no object embeddings for task ${JSON.stringify(task)}${known.length ? ` (have: ${known.join(', ')})` : ''}; embed the objects first (winnow predictions embed-objects <datasource> --task ${task})`,
    );
  }
  if (found.objects.fileNames.length === 0) throw new InvalidInputError({ file: found.source }, `task ${JSON.stringify(task)} has no object embeddings`);
  return found;
}

export interface ObjectDiversityInput {
  /** Object embeddings, one row per crop named by {@link objectRowName}. */
  objects: EmbeddingMatrix;
  /** For error locations (`objects.csv:7`). */
  source: string;
  /** Row of each image file name in the image-level matrix. */
  rowOf: ReadonlyMap<string, number>;
  /** Image rows that may be picked, in candidate order. */
  candidates: Int32Array;
  /** Image rows already selected: their objects are centres from the start. */
  preselectedRows: readonly number[];
  /** Sum of the other strategies' log factors per candidate (null when there are none). */
  logStatic: Float64Array | null;
  /** Exponent of the distance factor (Lightly's `strength`). */
  strength: number;
  /** Tie-break rank per candidate (lower wins). */
  tieRank: Int32Array;
  /** Pick at most this many by greedy steps; the rest is ordered by its score after them. */
  limit: number;
  /** How many of the picks form the selection (Infinity: until `minDistance` or the candidates run out). */
  selectCount: number;
  /** Stop selecting once the best image's most novel object is closer than this to every centre. */
  minDistance?: number;
  signal?: AbortSignal;
}

export interface ObjectDiversityPick {
  candidate: number;
  /** The image's factor when picked: its most novel object's distance to the nearest centre (2 before any centre). */
  distance: number;
  /** Image row of that nearest centre object, or -1 before any centre. */
  nearestRow: number;
  logScore: number;
}

export interface ObjectDiversityResult {
  /** Greedy picks, then every other candidate by its score after them; images without objects come last. */
  ranking: ObjectDiversityPick[];
  /** Leading entries of `ranking` that are the selection. */
  selectedCount: number;
  /** Leading entries ranked by exact greedy steps. */
  greedyRanked: number;
  stoppedBy: 'n' | 'minDistance' | 'exhausted';
  /** The largest distance from any candidate's object to its nearest selected or preselected object. */
  coveringRadius: number;
  /** Objects read, and those of images outside the image-level matrix (left out). */
  objects: number;
  objectsWithoutImage: number;
}

/** Distances on unit vectors lie in [0, 2]: an object with no centre yet counts as 2 (as the image-level first pick). */
const NO_CENTRE = 2;

/**
 * Ranks images by object-level k-center diversity combined with the static objectives (product with strengths, as
 * the image-level greedy loop). Objects whose image is not in the image-level matrix are left out and counted.
 *
 * Example: three images with objects [cat], [cat'], [dog] (cat' near cat) and n = 2 → picks the first cat image
 * (all tie at distance 2; tie rank decides), then the dog image (its object is far from the cat), not cat'.
 */
export function rankByObjectDiversity(input: ObjectDiversityInput): ObjectDiversityResult {
  const { objects, candidates, tieRank } = input;
  const { dim } = objects;
  const M = candidates.length;
  const candidateOfRow = new Map<number, number>();
  candidates.forEach((row, c) => candidateOfRow.set(row, c));

  // Group objects by image row; unit-normalise each object vector once.
  const unit = new Float32Array(objects.data.length);
  const ownerRow = new Int32Array(objects.fileNames.length).fill(-1);
  const objectsOfCandidate: number[][] = Array.from({ length: M }, () => []);
  const preselected = new Set(input.preselectedRows);
  const centreObjects: number[] = [];
  let withoutImage = 0;
  objects.fileNames.forEach((name, o) => {
    const parsed = parseObjectRowName(name);
    if (parsed === undefined) {
      throw new InvalidInputError({ file: input.source, line: o + 2 }, `${JSON.stringify(name)} is not an object row name (<image file name>#<object index>)`);
    }
    const row = input.rowOf.get(parsed.fileName);
    if (row === undefined) {
      withoutImage++;
      return;
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += objects.data[o * dim + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < dim; j++) unit[o * dim + j] = objects.data[o * dim + j] / norm;
    ownerRow[o] = row;
    if (preselected.has(row)) centreObjects.push(o);
    const c = candidateOfRow.get(row);
    if (c !== undefined) objectsOfCandidate[c].push(o);
  });

  // minDist[o]: distance of object o to its nearest centre object; nearest[o]: that centre's image row.
  const minDist = new Float64Array(objects.fileNames.length).fill(NO_CENTRE);
  const nearest = new Int32Array(objects.fileNames.length).fill(-1);
  const candidateObjects = objectsOfCandidate.flat();
  const addCentres = (centres: readonly number[]) => {
    for (const k of centres) {
      const kOff = k * dim;
      for (const o of candidateObjects) {
        const oOff = o * dim;
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += unit[oOff + j] * unit[kOff + j];
        const d = Math.sqrt(Math.max(0, 2 - 2 * dot));
        if (nearest[o] === -1 || d < minDist[o]) {
          minDist[o] = d;
          nearest[o] = ownerRow[k];
        }
      }
    }
  };
  addCentres(centreObjects);

  const { logStatic, strength } = input;
  const factorOf = (c: number): { distance: number; nearestRow: number } => {
    let distance = -1;
    let nearestRow = -1;
    for (const o of objectsOfCandidate[c]) {
      if (minDist[o] > distance) [distance, nearestRow] = [minDist[o], nearest[o]];
    }
    return { distance, nearestRow };
  };
  const scoreOf = (distance: number, c: number) => (distance <= 0 ? -Infinity : strength * Math.log(distance)) + (logStatic?.[c] ?? 0);

  // The covering radius of the selection: measured when the selection is complete, before the ranking goes on.
  const radius = () => candidateObjects.reduce((r, o) => Math.max(r, minDist[o]), 0);
  let coveringRadius: number | undefined;
  const picked = new Uint8Array(M);
  const ranking: ObjectDiversityPick[] = [];
  let stoppedBy: ObjectDiversityResult['stoppedBy'] = 'exhausted';
  let selectedCount = 0;
  const limit = Math.min(input.limit, M);
  while (ranking.length < limit) {
    input.signal?.throwIfAborted();
    let best = -1;
    let bestScore = -Infinity;
    let bestFactor = { distance: -1, nearestRow: -1 };
    for (let c = 0; c < M; c++) {
      if (picked[c] || objectsOfCandidate[c].length === 0) continue;
      const f = factorOf(c);
      const s = scoreOf(f.distance, c);
      if (best === -1 || s > bestScore || (s === bestScore && tieRank[c] < tieRank[best])) [best, bestScore, bestFactor] = [c, s, f];
    }
    if (best === -1) break; // only images without objects are left
    let selectionEnds = false;
    if (selectedCount === ranking.length && selectedCount < input.selectCount) {
      if (input.minDistance !== undefined && bestFactor.nearestRow !== -1 && bestFactor.distance < input.minDistance) {
        stoppedBy = 'minDistance';
        coveringRadius = radius();
      } else {
        selectedCount++;
        selectionEnds = selectedCount === input.selectCount;
      }
    }
    picked[best] = 1;
    ranking.push({ candidate: best, distance: bestFactor.distance, nearestRow: bestFactor.nearestRow, logScore: bestScore });
    addCentres(objectsOfCandidate[best]);
    if (selectionEnds) coveringRadius = radius();
  }
  if (selectedCount >= input.selectCount) stoppedBy = 'n';
  coveringRadius ??= radius();
  const greedyRanked = ranking.length;

  // The rest: images with objects by their score after the greedy picks, then images without objects by the static objectives.
  const rest: ObjectDiversityPick[] = [];
  for (let c = 0; c < M; c++) {
    if (picked[c]) continue;
    const f = objectsOfCandidate[c].length === 0 ? { distance: 0, nearestRow: -1 } : factorOf(c);
    rest.push({ candidate: c, distance: f.distance, nearestRow: f.nearestRow, logScore: scoreOf(f.distance, c) });
  }
  rest.sort((a, b) => {
    const emptyA = objectsOfCandidate[a.candidate].length === 0 ? 1 : 0;
    const emptyB = objectsOfCandidate[b.candidate].length === 0 ? 1 : 0;
    if (emptyA !== emptyB) return emptyA - emptyB;
    const sa = emptyA ? (logStatic?.[a.candidate] ?? 0) : a.logScore;
    const sb = emptyB ? (logStatic?.[b.candidate] ?? 0) : b.logScore;
    return sb - sa || tieRank[a.candidate] - tieRank[b.candidate];
  });
  return {
    ranking: ranking.concat(rest),
    selectedCount,
    greedyRanked,
    stoppedBy,
    coveringRadius,
    objects: objects.fileNames.length,
    objectsWithoutImage: withoutImage,
  };
}
