import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDatasource, predictionFileName, PREDICTIONS_DIR, readPredictions } from '../../src/predictions';
import { predictImages } from '../../src/predictions/predict-images';
import { axeContext, docShot, expectAccessible } from './page-checks';
import { seedRealPhotos, SUBJECTS, type RealPhotoDataset } from './real-photos';
import { loginWithToken, startWebHarness, type WebHarness } from './web-harness';

/**
 * Predictions in the web app, in headless Chromium against a real platform server: the default model's ImageNet
 * classifier predicts the 48 real photos (Lightly's datasource format), and a two-window "detector" — the same
 * classifier on each photo's left and right halves, whose boxes are known exactly — gives every whole photo two
 * boxes. Both are uploaded through the REST API; the sample view must draw the boxes where the halves are on screen,
 * with class and score, and show the predicted class with its probability; Explore filters by predicted class and
 * confidence. axe-core checks each page; screenshots go to test-results/web/ (docs/screenshots/ with WINNOW_SCREENSHOTS=1).
 */

// ImageNet-1k ids of the cat classes (tabby … Egyptian cat): what a real classifier calls the photo "chelsea".
const CAT_CLASSES = [281, 282, 283, 284, 285];

interface ClassFile {
  file_name: string;
  predictions: { category_id: number; probabilities: number[] }[];
}

const visibleCount = async (target: Page) => Number(((await target.getByTestId('visible-count').textContent()) ?? '').replace(/,/g, ''));

let h: WebHarness;
let context: BrowserContext;
let page: Page;
let photos: RealPhotoDataset;
let classes: string[];
const topClass = new Map<string, { id: number; probability: number }>();
/** Pixel size of each whole photo, as stored (the boxes' coordinate system). */
const wholeSize = new Map<string, { width: number; height: number }>();

async function readClassFile(predictionsDir: string, fileName: string): Promise<ClassFile> {
  return JSON.parse(await readFile(path.join(predictionsDir, 'imagenet', predictionFileName(fileName)), 'utf8')) as ClassFile;
}

describe('predictions in the web app (Chromium)', () => {
  beforeAll(async () => {
    h = await startWebHarness();
    photos = await seedRealPhotos(h, 'predicted-photos');
    const imagesDir = path.join(h.home, 'photos-predicted-photos');
    const out = await mkdtemp(path.join(h.home, 'predictions-'));
    const predicted = await predictImages({ inputDir: imagesDir, outDir: out, task: 'imagenet' });
    expect(predicted.predicted).toBe(48);
    const predictionsDir = path.join(out, PREDICTIONS_DIR);
    classes = (JSON.parse(await readFile(path.join(predictionsDir, 'imagenet', 'schema.json'), 'utf8')) as { categories: { name: string }[] }).categories.map((c) => c.name);
    for (const fileName of photos.subjects.keys()) {
      const p = (await readClassFile(predictionsDir, fileName)).predictions[0];
      topClass.set(fileName, { id: p.category_id, probability: p.probabilities[p.category_id] });
    }

    // The two-window detector: each whole photo's left and right halves (the `_left`/`_right` views) as boxes,
    // labelled with the classifier's answer for that half.
    const detections = path.join(predictionsDir, 'halves');
    await writeFile(path.join(predictionsDir, 'tasks.json'), JSON.stringify(['imagenet', 'halves']));
    await mkdir(detections, { recursive: true });
    await writeFile(path.join(detections, 'schema.json'), JSON.stringify({ task_type: 'object-detection', categories: classes.map((name, id) => ({ id, name })) }));
    for (const subject of SUBJECTS) {
      const whole = `${subject}/${subject}_whole.jpg`;
      const { width = 0, height = 0 } = await sharp(path.join(imagesDir, whole)).metadata();
      const half = Math.floor(width / 2);
      wholeSize.set(subject, { width, height });
      const box = (view: 'left' | 'right', bbox: number[]) => {
        const top = topClass.get(`${subject}/${subject}_${view}.jpg`) as { id: number; probability: number };
        return { category_id: top.id, bbox, score: Math.round(top.probability * 1e4) / 1e4 };
      };
      await mkdir(path.join(detections, subject), { recursive: true });
      await writeFile(
        path.join(detections, predictionFileName(whole)),
        JSON.stringify({ file_name: whole, predictions: [box('left', [0, 0, half, height]), box('right', [half, 0, width - half, height])] }),
      );
    }
    const read = await readPredictions(localDatasource(out));
    expect(read.problems).toEqual([]);
    const uploaded = await h.api<{ tasks: { name: string; stored: number }[]; problems: unknown[] }>('POST', `/v1/datasets/${photos.id}/predictions`, {
      tasks: read.tasks.map(({ task, images }) => ({ ...task, images })),
    });
    expect(uploaded.tasks.map((t) => [t.name, t.stored])).toEqual([
      ['imagenet', 48],
      ['halves', 8],
    ]);
    expect(uploaded.problems).toEqual([]);

    context = await axeContext(h.browser);
    page = await context.newPage();
    await loginWithToken(page, h.token, h.base);
  });

  afterAll(async () => {
    await context?.close();
    await h?.close();
  });

  it('the real classifier calls the cat photo a cat (the predictions under test are a real model’s)', () => {
    expect(CAT_CLASSES).toContain(topClass.get('chelsea/chelsea_whole.jpg')?.id);
  });

  it('draws the detection boxes over the image where the halves are, with class and score, and the predicted class', async () => {
    const samples = await h.api<{ id: string; fileName: string }[]>('GET', `/v1/datasets/${photos.id}/samples`);
    const chelsea = samples.find((s) => s.fileName === 'chelsea/chelsea_whole.jpg') as { id: string };
    await page.goto(`${h.base}/#/datasets/${photos.id}/explore?sample=${chelsea.id}`);
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'chelsea/chelsea_whole.jpg' }).waitFor();
    const overlay = dialog.getByTestId('prediction-overlay');
    await overlay.waitFor();

    const cat = topClass.get('chelsea/chelsea_whole.jpg') as { id: number; probability: number };
    const left = topClass.get('chelsea/chelsea_left.jpg') as { id: number; probability: number };
    const right = topClass.get('chelsea/chelsea_right.jpg') as { id: number; probability: number };
    // The drawing's accessible name lists what is drawn: the predicted class with its probability, each box with its score.
    const label = (await overlay.getAttribute('aria-label')) ?? '';
    expect(label).toContain(`imagenet: ${classes[cat.id]} ${(cat.probability * 100).toFixed(cat.probability >= 0.995 || cat.probability < 0.1 ? 1 : 0)}%`);
    expect(label).toContain(`halves: ${classes[left.id]} ${(Math.round(left.probability * 1e4) / 1e4).toFixed(2)}`);
    expect(label).toContain(`halves: ${classes[right.id]} ${(Math.round(right.probability * 1e4) / 1e4).toFixed(2)}`);
    // The list under the image: the predicted class first, in bold.
    await expect.poll(() => dialog.getByTestId('predictions-imagenet').locator('li strong').textContent()).toBe(classes[cat.id]);

    // Each box covers its half of the image as drawn on screen (fit to the view): centres to 1.5 px, sizes to the
    // stroke's width (the bounding box of a stroked rectangle includes part of its stroke).
    const image = await dialog.getByRole('img', { name: 'chelsea/chelsea_whole.jpg' }).boundingBox();
    const boxes = (await Promise.all((await dialog.getByTestId('prediction-box').all()).map((b) => b.locator('rect.box').boundingBox()))).sort((a, b) => (a?.x ?? 0) - (b?.x ?? 0));
    expect(image).not.toBeNull();
    expect(boxes).toHaveLength(2);
    const size = wholeSize.get('chelsea') as { width: number; height: number };
    const scale = (image?.width ?? 0) / size.width;
    const half = Math.floor(size.width / 2);
    const expected = [
      { x: 0, w: half },
      { x: half, w: size.width - half },
    ];
    boxes.forEach((box, k) => {
      const { x, w } = expected[k];
      expect(Math.abs((box?.x ?? 0) + (box?.width ?? 0) / 2 - ((image?.x ?? 0) + (x + w / 2) * scale))).toBeLessThan(1.5);
      expect(Math.abs((box?.y ?? 0) + (box?.height ?? 0) / 2 - ((image?.y ?? 0) + (image?.height ?? 0) / 2))).toBeLessThan(1.5);
      expect(Math.abs((box?.width ?? 0) - w * scale)).toBeLessThan(3.5);
      expect(Math.abs((box?.height ?? 0) - (image?.height ?? 0))).toBeLessThan(3.5);
    });

    await expectAccessible(page, 'sample view with predictions');
    await docShot(page, 'sample-predictions');

    // A photo with classification only: one label, no boxes.
    const coffee = samples.find((s) => s.fileName === 'coffee/coffee_grey.jpg') as { id: string };
    await page.goto(`${h.base}/#/datasets/${photos.id}/explore?sample=${coffee.id}`);
    await dialog.getByRole('heading', { name: 'coffee/coffee_grey.jpg' }).waitFor();
    await dialog.getByTestId('prediction-overlay').waitFor();
    expect(await dialog.getByTestId('prediction-box').count()).toBe(0);
    await dialog.getByTestId('predictions-imagenet').waitFor();
    expect(await dialog.getByTestId('predictions-halves').count()).toBe(0);
  });

  it('filters Explore by predicted class and by confidence, answered by the server', async () => {
    const catId = (topClass.get('chelsea/chelsea_whole.jpg') as { id: number }).id;
    const cat = classes[catId];
    const ofClass = [...topClass.values()].filter((t) => t.id === catId);
    await page.goto(`${h.base}/#/datasets/${photos.id}/explore`);
    const group = page.getByRole('group', { name: 'Predicted class (imagenet)' });
    await group.waitFor();
    await expect.poll(() => visibleCount(page), { timeout: 20_000 }).toBe(48);
    await group.getByRole('button', { name: `Only ${cat}`, exact: true }).click();
    await expect.poll(() => visibleCount(page), { timeout: 20_000 }).toBe(ofClass.length);
    // Only the confident ones: probability at least the median of that class's.
    const sorted = ofClass.map((t) => t.probability).sort((a, b) => a - b);
    const threshold = Math.round(sorted[Math.floor(sorted.length / 2)] * 1000) / 1000;
    await page.getByLabel('Minimum Confidence (imagenet)', { exact: true }).fill(String(threshold));
    await expect.poll(() => visibleCount(page), { timeout: 20_000 }).toBe(ofClass.filter((t) => t.probability >= threshold).length);
    await expectAccessible(page, 'explore filtered by prediction');
    await docShot(page, 'explore-predictions');
  });
});
