import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Index } from 'usearch';
import type { EmbeddingMatrix } from '../embeddings/matrix';
import { InvalidConfigError } from '../errors';
import { isNearPair } from './duplicates';
import { parseHealthOptions, type HealthOptions } from './health-options';
import type { ImageMeasures } from './measures';
import { buildIndex, newIndex } from './neighbours';

/** What the index remembers of each indexed image besides its vector: enough to tell exact and same-layout copies. */
interface IndexedImage {
  fileName: string;
  sha256?: string;
  pixelHash?: string;
  dHash?: string;
}

interface IndexRecord {
  dim: number;
  /** Key i of the usearch index is images[i]. */
  images: IndexedImage[];
}

export interface BatchFinding {
  fileName: string;
  /** `exact`: same bytes or pixels as `of`; `near`: a near duplicate of it. */
  kind: 'exact' | 'near';
  of: string;
  similarity: number;
  /** Whether `of` was indexed before this batch (false: both are in the batch). */
  existing: boolean;
}

export interface BatchCheckResult {
  indexed: number;
  added: number;
  /** Batch files already in the index, left as they were. */
  known: number;
  duplicates: BatchFinding[];
  seconds: number;
}

/**
 * A persistent nearest-neighbour index of a dataset's embeddings (usearch HNSW, cosine, ANN_SETTINGS) with a sidecar of the
 * file names and hashes. New batches are checked against it and added to it without rebuilding: the graph grows by
 * insertion, so the cost is proportional to the batch, not the dataset (fastdup#155's use case).
 */
export class HealthIndex {
  private constructor(
    readonly path: string,
    private readonly index: Index,
    private readonly record: IndexRecord,
  ) {}

  /** Opens the index at `path` (`<path>.json` beside it), or starts an empty one for `dim`-dimensional embeddings. */
  static async open(path: string, dim: number): Promise<HealthIndex> {
    const index = newIndex(dim);
    if (!existsSync(path)) return new HealthIndex(path, index, { dim, images: [] });
    const record = JSON.parse(await readFile(`${path}.json`, 'utf8')) as IndexRecord;
    if (record.dim !== dim) {
      throw new InvalidConfigError(`index ${path} holds ${record.dim}-dimensional embeddings, the batch has ${dim}: embed with the same model, or start a new index`);
    }
    index.load(path);
    if (index.size() !== record.images.length) {
      throw new InvalidConfigError(`index ${path} has ${index.size()} vectors but its record ${path}.json names ${record.images.length} images: start a new index`);
    }
    return new HealthIndex(path, index, record);
  }

  get size(): number {
    return this.record.images.length;
  }

  /**
   * Checks a batch against everything indexed (and against itself), then adds its new images. A file name already in
   * the index is not added again.
   *
   * @example
   * const index = await HealthIndex.open('photos.usearch', 1280);
   * const result = await index.checkAndAdd(batch, measures);  // { indexed: 1200, added: 200, duplicates: [{ fileName: 'new/a.jpg', kind: 'near', of: 'old/a.jpg', similarity: 0.97, existing: true }] }
   * await index.save();
   */
  async checkAndAdd(batch: EmbeddingMatrix, measures: ReadonlyMap<string, ImageMeasures>, options: Partial<HealthOptions> = {}): Promise<BatchCheckResult> {
    const started = Date.now();
    const parsed = parseHealthOptions(options);
    const before = this.record.images.length;
    const seen = new Set(this.record.images.map((i) => i.fileName));
    const rows: number[] = [];
    batch.fileNames.forEach((f, i) => {
      if (!seen.has(f)) {
        rows.push(i);
        seen.add(f);
      }
    });
    const { dim } = batch;
    const data = new Float32Array(rows.length * dim);
    rows.forEach((r, j) => data.set(batch.data.subarray(r * dim, (r + 1) * dim), j * dim));

    // Exact copies by hash, against the index and within the batch.
    const byHash = new Map<string, string>();
    for (const img of this.record.images) {
      if (img.sha256) byHash.set(`b:${img.sha256}`, img.fileName);
      if (img.pixelHash) byHash.set(`p:${img.pixelHash}`, img.fileName);
    }
    const duplicates: BatchFinding[] = [];
    const exactOf = new Set<string>();
    for (const r of rows) {
      const name = batch.fileNames[r];
      const m = measures.get(name);
      if (!m) continue;
      const of = byHash.get(`b:${m.sha256}`) ?? (m.pixelHash ? byHash.get(`p:${m.pixelHash}`) : undefined);
      if (of !== undefined) {
        duplicates.push({ fileName: name, kind: 'exact', of, similarity: 1, existing: !batchNames(batch, rows).has(of) });
        exactOf.add(name);
      } else {
        byHash.set(`b:${m.sha256}`, name);
        if (m.pixelHash) byHash.set(`p:${m.pixelHash}`, name);
      }
    }

    // The batch joins the graph first, so one search finds copies among earlier images and within the batch alike.
    for (const r of rows) {
      const m = measures.get(batch.fileNames[r]);
      this.record.images.push({ fileName: batch.fileNames[r], sha256: m?.sha256, pixelHash: m?.pixelHash, dHash: m?.dHash });
    }
    if (rows.length > 0) buildIndex(data, dim, 0, BigInt(before), undefined, undefined, this.index);
    const hashes = new Map<string, ImageMeasures>(measures);
    for (const img of this.record.images) {
      if (!hashes.has(img.fileName) && img.dHash) hashes.set(img.fileName, { dHash: img.dHash } as ImageMeasures);
    }
    const rule = { threshold: parsed.nearDuplicateThreshold, layoutThreshold: parsed.layoutThreshold };
    const k = Math.min(this.record.images.length, 11);
    for (let j = 0; j < rows.length && k > 1; j++) {
      const name = batch.fileNames[rows[j]];
      if (exactOf.has(name)) continue;
      const found = this.index.search(data.subarray(j * dim, (j + 1) * dim), k, 0);
      let best: BatchFinding | undefined;
      for (let t = 0; t < found.keys.length; t++) {
        const key = Number(found.keys[t]);
        if (key === before + j) continue;
        const other = this.record.images[key].fileName;
        const similarity = 1 - found.distances[t];
        // A pair within the batch is reported once, on its later member.
        if (key >= before && key > before + j) continue;
        if (isNearPair(similarity, name, other, hashes, rule) && (best === undefined || similarity > best.similarity)) {
          best = { fileName: name, kind: 'near', of: other, similarity: Math.round(similarity * 10_000) / 10_000, existing: key < before };
        }
      }
      if (best) duplicates.push(best);
    }
    return { indexed: this.record.images.length, added: rows.length, known: batch.fileNames.length - rows.length, duplicates, seconds: (Date.now() - started) / 1000 };
  }

  /** Writes the index and its record (each through a temporary file, so a crash leaves the previous pair). */
  async save(): Promise<void> {
    this.index.save(`${this.path}.tmp`);
    await writeFile(`${this.path}.json.tmp`, JSON.stringify(this.record));
    await rename(`${this.path}.tmp`, this.path);
    await rename(`${this.path}.json.tmp`, `${this.path}.json`);
  }
}

function batchNames(batch: EmbeddingMatrix, rows: number[]): Set<string> {
  return new Set(rows.map((r) => batch.fileNames[r]));
}
