import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

/** Writes `count` small distinct JPEGs (solid colours with a stripe) under `dir/<class>/`, returns their names. */
export async function writeImages(dir: string, count: number, classes = ['cows', 'sheep']): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const cls = classes[i % classes.length];
    await mkdir(path.join(dir, cls), { recursive: true });
    const hue = (i * 47) % 256;
    const stripe = Buffer.from(
      `<svg width="64" height="64"><rect width="64" height="64" fill="rgb(${hue},${255 - hue},${(i * 91) % 256})"/>` +
        `<rect x="${(i * 7) % 48}" y="0" width="16" height="64" fill="rgb(${(i * 13) % 256},40,200)"/></svg>`,
    );
    const name = `${cls}/${String(i).padStart(3, '0')}.jpg`;
    await sharp(stripe).jpeg({ quality: 80 }).toFile(path.join(dir, name));
    names.push(name);
  }
  return names;
}
