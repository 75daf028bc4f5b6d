import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createThumbnail, thumbnailName } from '../../src/s3/thumbnails';
import { jpegWithExif, pngWithAlpha } from './image-fixtures';

describe('createThumbnail', () => {
  it('makes a WebP that fits in size×size, keeping the aspect ratio', async () => {
    const thumb = await createThumbnail(await jpegWithExif(640, 480), { size: 128, quality: 70 });
    expect(thumb).toMatchObject({ width: 128, height: 96, format: 'webp' });
    const meta = await sharp(thumb.data).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 128, height: 96 });
    const tall = await createThumbnail(await pngWithAlpha(300, 900));
    expect(tall).toMatchObject({ width: 85, height: 256 });
  });

  it('does not enlarge small images and turns rotated photos upright', async () => {
    const small = await sharp({ create: { width: 40, height: 20, channels: 3, background: 'red' } }).png().toBuffer();
    expect(await createThumbnail(small)).toMatchObject({ width: 40, height: 20 });
    const rotated = await sharp({ create: { width: 200, height: 100, channels: 3, background: 'blue' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await createThumbnail(rotated, { size: 100 })).toMatchObject({ width: 50, height: 100 });
  });

  it('refuses bad options and unreadable data', async () => {
    await expect(createThumbnail(Buffer.from('x'), { size: 2 })).rejects.toThrow(/size/);
    await expect(createThumbnail(Buffer.from('x'), { quality: 0 })).rejects.toThrow(/quality/);
    await expect(createThumbnail(Buffer.from('not an image'))).rejects.toThrow(/cannot make a thumbnail/);
  });
});

describe('thumbnailName', () => {
  it('replaces the extension with the suffix, or resolves a Lightly-style template next to the image', () => {
    expect(thumbnailName('cows/001.jpg')).toBe('cows/001_thumb.webp');
    expect(thumbnailName('001.jpeg', '-small.webp')).toBe('001-small.webp');
    expect(thumbnailName('cows/001.jpg', '.lightly/thumbnails/[filename]_thumb.[extension]')).toBe('cows/.lightly/thumbnails/001_thumb.webp');
  });
});
