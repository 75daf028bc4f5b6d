import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidInputError } from '../../src/errors';
import { resolveModelConfig } from '../../src/embed/model-config';
import { tempDir } from './images';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('resolveModelConfig', () => {
  it('fills defaults and expands a square size', async () => {
    expect(await resolveModelConfig({ size: 224, layout: 'NCHW' })).toEqual({
      id: undefined,
      inputName: undefined,
      outputName: undefined,
      height: 224,
      width: 224,
      layout: 'NCHW',
      resize: 'fill',
      enlarge: 'bicubic',
      scale: 1 / 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      pooling: 'none',
      normalize: true,
    });
  });

  it('reads a JSON file (the README example for a CLIP image tower)', async () => {
    const file = path.join(dir, 'clip.json');
    await writeFile(
      file,
      JSON.stringify({
        id: 'clip-vit-b32-visual',
        inputName: 'pixel_values',
        outputName: 'image_embeds',
        size: 224,
        layout: 'NCHW',
        resize: 'center-crop',
        scale: 0.00392156862745098,
        mean: [0.48145466, 0.4578275, 0.40821073],
        std: [0.26862954, 0.26130258, 0.27577711],
        pooling: 'none',
      }),
    );
    expect(await resolveModelConfig(file)).toMatchObject({ id: 'clip-vit-b32-visual', height: 224, resize: 'center-crop', enlarge: 'bicubic' });
    expect(await resolveModelConfig({ size: 224, layout: 'NCHW', enlarge: 'bilinear' })).toMatchObject({ enlarge: 'bilinear' });
  });

  it('names the file and field of a bad config', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ size: 224, layout: 'NCWH' }));
    const error = await resolveModelConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/bad\.json \(column "layout"\)/);

    await writeFile(file, '{ "size": 224, ');
    await expect(resolveModelConfig(file)).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(resolveModelConfig({ size: 224, layout: 'NCHW', extra: 1 } as never)).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(resolveModelConfig({ size: 224, layout: 'NCHW', std: [1, 0, 1] })).rejects.toThrow(/std must not contain 0/);
    await expect(resolveModelConfig({ size: 224, layout: 'NCHW', enlarge: 'lanczos' } as never)).rejects.toThrow(/at enlarge/);
    await expect(resolveModelConfig(path.join(dir, 'missing.json'))).rejects.toBeInstanceOf(InvalidConfigError);
  });
});
