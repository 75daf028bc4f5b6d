import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { syncLocalToS3, type S3Settings } from '../../src/s3';

/**
 * Writes `count` distinct small PNGs (gradient + seeded noise, spread over two class folders) — enough structure for
 * the embedding to tell them apart, small enough (64×64) that two cores embed thousands in seconds.
 * Returns the relative names, sorted.
 */
export async function writeImages(dir: string, count: number, options: { size?: number; seed?: number; firstIndex?: number } = {}): Promise<string[]> {
  const size = options.size ?? 64;
  let state = (options.seed ?? 1) >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const names: string[] = [];
  const pixels = Buffer.alloc(size * size * 3);
  const first = options.firstIndex ?? 0;
  for (let i = first; i < first + count; i++) {
    const folder = i % 2 === 0 ? 'cats' : 'dogs';
    const name = `${folder}/img-${String(i).padStart(5, '0')}.png`;
    const [r, g, b, dx, dy] = [random() * 255, random() * 255, random() * 255, random() * 4 - 2, random() * 4 - 2];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const o = (y * size + x) * 3;
        const n = random() * 40;
        pixels[o] = Math.max(0, Math.min(255, r + dx * x + n));
        pixels[o + 1] = Math.max(0, Math.min(255, g + dy * y + n));
        pixels[o + 2] = Math.max(0, Math.min(255, b + (dx - dy) * (x - y) * 0.5 + n));
      }
    }
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer());
    names.push(name);
  }
  return names.sort();
}

/** Uploads a folder under `s3://bucket/prefix`. */
export async function uploadFolder(s3: S3Settings, dir: string, bucket: string, prefix = ''): Promise<void> {
  const result = await syncLocalToS3({ sourceDir: dir, target: `s3://${bucket}/${prefix}`, s3 });
  if (result.failed.length) throw new Error(`upload failed: ${result.failed[0].key}: ${result.failed[0].reason}`);
}
