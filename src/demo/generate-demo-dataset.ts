import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { uniformRandom } from '../select/random';

/** The visibly different groups of the demo set; each becomes a sub-folder (so lightly-style labels differ too). */
const GROUPS = ['circles', 'stripes', 'checkers', 'noise', 'gradients', 'triangles'] as const;
type Group = (typeof GROUPS)[number];

const SCENARIOS = ['sunny', 'cloudy', 'rainy', 'foggy'] as const;

export interface DemoDatasetOptions {
  /** Folder to write into; created when missing. */
  dir: string;
  /** Images per group (6 groups). Default 40 → 240 images, plus near-duplicates and corrupt files. */
  perGroup?: number;
  /** Image side in pixels. Default 160: big enough to look at, small enough to embed in seconds. */
  size?: number;
  /** Seed of the deterministic generator: the same seed writes the same bytes. */
  seed?: number;
}

export interface DemoDataset {
  imagesDir: string;
  metadataPath: string;
  /** Good images written (groups + near-duplicates). */
  images: number;
  nearDuplicates: number;
  /** Files that are not decodable images, which the embed step must report and skip. */
  corruptFiles: string[];
}

function colour(random: () => number): string {
  const c = () => Math.floor(40 + random() * 200);
  return `rgb(${c()},${c()},${c()})`;
}

function groupSvg(group: Group, size: number, random: () => number): string {
  const bg = colour(random);
  const fg = colour(random);
  const s = size;
  let body = '';
  switch (group) {
    case 'circles':
      for (let i = 0; i < 3 + Math.floor(random() * 4); i++) {
        body += `<circle cx="${random() * s}" cy="${random() * s}" r="${s * (0.08 + random() * 0.2)}" fill="${colour(random)}"/>`;
      }
      break;
    case 'stripes': {
      const w = s / (4 + Math.floor(random() * 8));
      for (let x = 0; x < s * 2; x += 2 * w) body += `<rect x="${x}" y="-${s}" width="${w}" height="${s * 3}" fill="${fg}"/>`;
      body = `<g transform="rotate(${random() * 180} ${s / 2} ${s / 2})">${body}</g>`;
      break;
    }
    case 'checkers': {
      const n = 3 + Math.floor(random() * 6);
      const w = s / n;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if ((i + j) % 2) body += `<rect x="${i * w}" y="${j * w}" width="${w}" height="${w}" fill="${fg}"/>`;
      break;
    }
    case 'gradients':
      body = `<defs><linearGradient id="g" x1="0" y1="0" x2="${random()}" y2="1"><stop offset="0" stop-color="${fg}"/><stop offset="1" stop-color="${colour(random)}"/></linearGradient></defs><rect width="${s}" height="${s}" fill="url(#g)"/>`;
      break;
    case 'triangles':
      for (let i = 0; i < 2 + Math.floor(random() * 3); i++) {
        const p = () => `${random() * s},${random() * s}`;
        body += `<polygon points="${p()} ${p()} ${p()}" fill="${colour(random)}"/>`;
      }
      break;
    case 'noise':
      break;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${s}" height="${s}"><rect width="${s}" height="${s}" fill="${bg}"/>${body}</svg>`;
}

async function renderImage(group: Group, size: number, random: () => number): Promise<ReturnType<typeof sharp>> {
  if (group === 'noise') {
    const pixels = Buffer.alloc(size * size * 3);
    const tint = [random(), random(), random()];
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(random() * 255 * (0.4 + 0.6 * tint[i % 3]));
    return sharp(pixels, { raw: { width: size, height: size, channels: 3 } });
  }
  return sharp(Buffer.from(groupSvg(group, size, random)));
}

/**
 * Writes the offline demo image set: groups of visibly different synthetic images (shapes, colours, textures, noise),
 * near-duplicates (re-encoded, slightly brightened copies), two corrupt files, and a custom-metadata file in the
 * seed's COCO-like format (`weather.scenario`, `weather.temperature`, `number_of_pedestrians`, `night`).
 *
 * Example result: `{ imagesDir: '/tmp/demo/images', metadataPath: '/tmp/demo/custom_metadata.json', images: 264,
 * nearDuplicates: 24, corruptFiles: ['corrupt/truncated.jpg', 'corrupt/not-an-image.png'] }`
 */
export async function generateDemoDataset(options: DemoDatasetOptions): Promise<DemoDataset> {
  const perGroup = options.perGroup ?? 40;
  const size = options.size ?? 160;
  // Seeded: the demo must be the same on every machine.
  const random = uniformRandom(options.seed ?? 42);
  const imagesDir = path.join(options.dir, 'images');
  const entries: Array<[string, Record<string, unknown>]> = [];
  let nearDuplicates = 0;

  for (const [g, group] of GROUPS.entries()) {
    await mkdir(path.join(imagesDir, group), { recursive: true });
    for (let i = 0; i < perGroup; i++) {
      const fileName = `${group}/${group}_${String(i).padStart(3, '0')}.jpg`;
      const image = await renderImage(group, size, random);
      const jpeg = await image.jpeg({ quality: 88 }).toBuffer();
      await writeFile(path.join(imagesDir, fileName), jpeg);
      const scenario = SCENARIOS[(g + Math.floor(random() * 2)) % SCENARIOS.length];
      entries.push([
        fileName,
        {
          number_of_pedestrians: Math.floor(random() * 6),
          weather: { scenario, temperature: Math.round((5 + g * 4 + random() * 10) * 10) / 10 },
          night: random() < 0.3,
        },
      ]);
      // Every tenth image gets a near-duplicate: the case a diversity selection must not pick twice.
      if (i % 10 === 0) {
        const dupName = `${group}/${group}_${String(i).padStart(3, '0')}_copy.jpg`;
        const dup = await sharp(jpeg).modulate({ brightness: 1.03 }).jpeg({ quality: 80 }).toBuffer();
        await writeFile(path.join(imagesDir, dupName), dup);
        entries.push([dupName, { ...entries[entries.length - 1][1], duplicate_of: fileName }]);
        nearDuplicates++;
      }
    }
  }

  const corruptDir = path.join(imagesDir, 'corrupt');
  await mkdir(corruptDir, { recursive: true });
  const good = await (await renderImage('circles', size, random)).jpeg().toBuffer();
  await writeFile(path.join(corruptDir, 'truncated.jpg'), good.subarray(0, Math.floor(good.length / 3)));
  await writeFile(path.join(corruptDir, 'not-an-image.png'), 'this file only pretends to be a PNG\n');

  const metadataPath = path.join(options.dir, 'custom_metadata.json');
  const metadata = {
    images: entries.map(([fileName], id) => ({ id, file_name: fileName })),
    metadata: entries.map(([, meta], id) => ({ image_id: id, ...meta })),
  };
  await writeFile(metadataPath, JSON.stringify(metadata, null, 4));

  return {
    imagesDir,
    metadataPath,
    images: entries.length,
    nearDuplicates,
    corruptFiles: ['corrupt/not-an-image.png', 'corrupt/truncated.jpg'],
  };
}
