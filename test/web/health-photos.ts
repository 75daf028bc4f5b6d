import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { embedImages } from '../../src/embed';
import { readMeasuresFile, toLightlyMetaData, type ImageMeasures } from '../../src/health';
import { FIXTURES } from '../fixture-files';
import { seedImageDataset } from './seed-dataset';
import type { WebHarness } from './web-harness';

/**
 * A dataset with known health truth, made from the eight real photos in the repository (scikit-image's and
 * scikit-learn's): the originals plus a byte-identical copy, a re-encoded copy, a resized copy, a copy cropped by a few
 * pixels, a blurred and a darkened copy, a grey and a mirrored view. Embedded by the real default model with the measures of the embed pass, and
 * uploaded as `winnow run` would: samples with the measures as their metaData, images and thumbnails, the CSV.
 */
const PHOTOS = [
  ['skimage', 'astronaut'],
  ['skimage', 'camera'],
  ['skimage', 'chelsea'],
  ['skimage', 'coffee'],
  ['skimage', 'motorcycle_left'],
  ['skimage', 'rocket'],
  ['sklearn', 'china'],
  ['sklearn', 'flower'],
] as const;

/** Derived copies: file name → what it is a copy of. */
export const COPIES = {
  'astronaut_copy.jpg': 'astronaut.jpg',
  'chelsea_q40.jpg': 'chelsea.jpg',
  'coffee_small.jpg': 'coffee.jpg',
  'rocket_crop.jpg': 'rocket.jpg',
} as const;
export const DARKENED = 'camera_dark.jpg';
export const BLURRED = 'flower_blurred.jpg';

export interface HealthPhotoDataset {
  id: string;
  embeddingId: string;
  names: string[];
  measures: Map<string, ImageMeasures>;
}

export async function seedHealthPhotos(h: WebHarness, name: string): Promise<HealthPhotoDataset> {
  const dir = path.join(h.home, `health-${name}`);
  const work = path.join(h.home, `health-${name}-work`);
  await mkdir(dir, { recursive: true });
  await mkdir(work, { recursive: true });
  const original = (subject: string) => path.join(dir, `${subject}.jpg`);
  for (const [source, subject] of PHOTOS) {
    await sharp(path.join(FIXTURES, 'model-parity', `${source}-${subject}.png`))
      .resize(320, 320, { fit: 'inside' })
      .jpeg({ quality: 90 })
      .toFile(original(subject));
  }
  await copyFile(original('astronaut'), path.join(dir, 'astronaut_copy.jpg'));
  await sharp(original('chelsea')).jpeg({ quality: 40 }).toFile(path.join(dir, 'chelsea_q40.jpg'));
  await sharp(original('coffee')).resize(200).jpeg({ quality: 85 }).toFile(path.join(dir, 'coffee_small.jpg'));
  const rocket = await sharp(original('rocket')).metadata();
  await sharp(original('rocket'))
    .extract({ left: 4, top: 4, width: (rocket.width ?? 0) - 8, height: (rocket.height ?? 0) - 8 })
    .jpeg({ quality: 90 })
    .toFile(path.join(dir, 'rocket_crop.jpg'));
  await sharp(original('camera')).linear(0.25, 0).jpeg({ quality: 90 }).toFile(path.join(dir, DARKENED));
  await sharp(original('flower')).blur(3).jpeg({ quality: 90 }).toFile(path.join(dir, BLURRED));
  // Two more views, so the map has enough samples for UMAP's 15 neighbours.
  await sharp(original('motorcycle_left')).greyscale().jpeg({ quality: 90 }).toFile(path.join(dir, 'motorcycle_left_grey.jpg'));
  await sharp(original('china')).flop().jpeg({ quality: 90 }).toFile(path.join(dir, 'china_flipped.jpg'));

  const csv = path.join(work, 'embeddings.csv');
  const measuresFile = path.join(work, 'embeddings.measures.jsonl');
  await embedImages({ inputDir: dir, outCsv: csv, measuresOut: measuresFile });
  const measures = await readMeasuresFile(measuresFile);
  const names = [...measures.keys()].sort();

  const { id, embeddingId } = await seedImageDataset(h, {
    name,
    dir,
    names,
    csv: await readFile(csv),
    metaData: (fileName) => toLightlyMetaData(measures.get(fileName) as ImageMeasures),
  });
  return { id, embeddingId, names, measures };
}
