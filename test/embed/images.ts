import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

/** Test images are drawn at test time (SVG shapes, flat colours, seeded noise), so no binary fixture is committed. */

export async function tempDir(prefix = 'winnow-embed-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A scene of a few coloured shapes on a background; `variant` shifts and recolours them a little. */
export function sceneSvg(kind: 'circles' | 'stripes' | 'checker', width = 640, height = 480, variant = 0): string {
  const shapes: string[] = [];
  if (kind === 'circles') {
    shapes.push(`<rect width="100%" height="100%" fill="rgb(${200 - variant * 5},${220},${255})"/>`);
    for (let i = 0; i < 5; i++) {
      const cx = 80 + i * 120 + variant * 6;
      const cy = 160 + ((i * 97) % 160);
      shapes.push(`<circle cx="${cx}" cy="${cy}" r="${50 + i * 6}" fill="rgb(${220 - i * 20},${30 + i * 10 + variant * 4},${40})"/>`);
    }
  } else if (kind === 'stripes') {
    for (let x = 0; x < width; x += 40) {
      shapes.push(`<rect x="${x}" y="0" width="20" height="${height}" fill="rgb(${(x * 3) % 255},${255 - ((x * 3) % 255)},80)"/>`);
    }
  } else {
    for (let y = 0; y < height; y += 60) {
      for (let x = 0; x < width; x += 60) {
        if (((x + y) / 60) % 2 === 0) shapes.push(`<rect x="${x}" y="${y}" width="60" height="60" fill="black"/>`);
      }
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${shapes.join('')}</svg>`;
}

export function scene(kind: 'circles' | 'stripes' | 'checker', width = 640, height = 480, variant = 0): Sharp {
  return sharp(Buffer.from(sceneSvg(kind, width, height, variant))).flatten({ background: '#ffffff' });
}

/** A flat colour with seeded gaussian noise: cheap, distinct images for count-driven tests. */
export function noisy(seed: number, width = 160, height = 120): Sharp {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: (seed * 53) % 256 },
      noise: { type: 'gaussian', mean: 128, sigma: 20 },
    },
  });
}

export async function writeImage(file: string, image: Sharp): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await image.toFile(file);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid-looking PNG of a few hundred bytes whose header claims `width × height` pixels: a decompression bomb. */
export function pngBomb(width = 100_000, height = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Every kind of bad file the embed step must skip, with the reason it must report (as a pattern). */
export async function writeBadFiles(dir: string): Promise<Record<string, RegExp>> {
  const jpeg = await noisy(7, 320, 240).jpeg().toBuffer();
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'zero.jpg'), Buffer.alloc(0));
  await writeFile(path.join(dir, 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
  let x = 12345;
  const random = Buffer.alloc(4096);
  for (let i = 0; i < random.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    random[i] = x >>> 24;
  }
  await writeFile(path.join(dir, 'random.jpg'), random);
  await writeFile(path.join(dir, 'text.png'), 'this is a text file, not a PNG\n');
  await writeFile(path.join(dir, 'notes.bmpx'), 'unsupported extension');
  await writeFile(path.join(dir, 'bomb.png'), pngBomb());
  return {
    'zero.jpg': /^empty file \(0 bytes\)$/,
    // libvips names the problem ("premature end of JPEG image") unless concurrent decodes garble its message buffer.
    'truncated.jpg': /^corrupt or truncated image \((.*premature end.*|the decoder reported damaged data)\)$/i,
    'random.jpg': /^not a supported image/,
    'text.png': /^not a supported image/,
    'notes.bmpx': /^unsupported file type \(\.bmpx\)$/,
    'bomb.png': /^image too large: 100000×100000 exceeds the 100,000,000-pixel limit/,
  };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}
