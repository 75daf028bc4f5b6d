import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { FIXTURES } from '../fixture-files';
import { seedImageDataset } from './seed-dataset';
import type { WebHarness } from './web-harness';

/**
 * A small real-photo dataset with known truth: the eight scikit-image / scikit-learn sample photos in the repository
 * (test/fixtures/model-parity), each in six derived views (whole, halves, flipped, rotated, grey) — 48 images whose
 * `subject` is the photo they came from. Seeded through the REST API as `winnow run` would: samples, stored images
 * and thumbnails from the platform's own upload pipeline, an embeddings CSV, custom metadata and its configuration.
 */
export const SUBJECTS = ['astronaut', 'camera', 'chelsea', 'coffee', 'motorcycle_left', 'rocket', 'china', 'flower'] as const;
const VIEWS = ['whole', 'left', 'right', 'flipped', 'rotated', 'grey'] as const;

export interface RealPhotoDataset {
  id: string;
  /** File name → subject, in upload order. */
  subjects: Map<string, string>;
  /** File name → mean brightness 0–255. */
  brightness: Map<string, number>;
}

function sourceFile(subject: string): string {
  const prefix = subject === 'china' || subject === 'flower' ? 'sklearn' : 'skimage';
  return path.join(FIXTURES, 'model-parity', `${prefix}-${subject}.png`);
}

async function derive(file: string, view: (typeof VIEWS)[number]): Promise<ReturnType<typeof sharp>> {
  const image = sharp(file);
  const { width = 0, height = 0 } = await image.metadata();
  const half = Math.floor(width / 2);
  switch (view) {
    case 'left':
      return image.extract({ left: 0, top: 0, width: half, height });
    case 'right':
      return image.extract({ left: half, top: 0, width: width - half, height });
    case 'flipped':
      return image.flop();
    case 'rotated':
      return image.rotate(90);
    case 'grey':
      return image.greyscale();
    default:
      return image;
  }
}

/** The image shrunk to 4×4 RGB: similar-looking images land close together (enough for a map and selection). */
async function tinyEmbedding(file: string): Promise<number[]> {
  const { data } = await sharp(file).resize(4, 4, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const v = Array.from(data, (x) => x / 255);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export async function seedRealPhotos(h: WebHarness, name: string): Promise<RealPhotoDataset> {
  const dir = path.join(h.home, `photos-${name}`);
  const subjects = new Map<string, string>();
  const brightness = new Map<string, number>();
  for (const subject of SUBJECTS) {
    await mkdir(path.join(dir, subject), { recursive: true });
    for (const view of VIEWS) {
      const fileName = `${subject}/${subject}_${view}.jpg`;
      const image = await derive(sourceFile(subject), view);
      await image.resize(320, 320, { fit: 'inside' }).jpeg({ quality: 85 }).toFile(path.join(dir, fileName));
      const stats = await sharp(path.join(dir, fileName)).stats();
      brightness.set(fileName, Math.round((stats.channels.slice(0, 3).reduce((sum, c) => sum + c.mean, 0) / Math.min(3, stats.channels.length)) * 10) / 10);
      subjects.set(fileName, subject);
    }
  }
  const names = [...subjects.keys()];
  const rows = await Promise.all(names.map(async (n) => [n, ...(await tinyEmbedding(path.join(dir, n)))].join(',') + ',0'));
  const header = ['filenames', ...Array.from({ length: 48 }, (_, k) => `embedding_${k}`), 'labels'].join(',');
  const { id } = await seedImageDataset(h, { name, dir, names, csv: [header, ...rows].join('\r\n') + '\r\n' });
  await h.api('POST', `/v1/datasets/${id}/customMetadata`, {
    images: names.map((file_name, k) => ({ id: k, file_name })),
    metadata: names.map((fileName, k) => ({
      image_id: k,
      subject: subjects.get(fileName),
      view: fileName.split('_').at(-1)?.replace('.jpg', ''),
      photo: { brightness: brightness.get(fileName), source: { library: sourceFile(subjects.get(fileName) as string).includes('sklearn') ? 'scikit-learn' : 'scikit-image' } },
    })),
  });
  await h.api('POST', `/v1/datasets/${id}/configuration/metadata`, {
    name: 'photos',
    configs: [
      { name: 'Subject', path: 'subject', valueDataType: 'CATEGORICAL_STRING', defaultValue: '' },
      { name: 'View', path: 'view', valueDataType: 'CATEGORICAL_STRING', defaultValue: '' },
      { name: 'Brightness', path: 'photo.brightness', valueDataType: 'NUMERIC_FLOAT', defaultValue: 0 },
    ],
  });
  return { id, subjects, brightness };
}
