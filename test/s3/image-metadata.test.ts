import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors';
import { readImageMetadata } from '../../src/s3/image-metadata';
import { jpegWithExif, pngWithAlpha } from './image-fixtures';

describe('readImageMetadata', () => {
  it('reads size, dimensions and camera EXIF fields', async () => {
    const jpeg = await jpegWithExif();
    const meta = await readImageMetadata(jpeg, 'cows/001.jpg');
    expect(meta).toMatchObject({ fileName: 'cows/001.jpg', sizeInBytes: jpeg.length, width: 640, height: 480, channels: 3, format: 'jpeg', hasAlpha: false });
    expect(meta.exif).toMatchObject({ make: 'Winnow Cam', model: 'WC-1', software: 'winnow-test', exposureTimeSeconds: 0.004, fNumber: 2.8, iso: 200, focalLengthMm: 50 });
    expect(meta.exif.dateTimeOriginal).toMatch(/^2026-05-01T10:12:00/);
    expect(meta.exif.gpsLatitude).toBeCloseTo(-33.8667, 3);
    expect(meta.exif.gpsLongitude).toBeCloseTo(151.21, 2);
  });

  it('works from the first bytes only, with the real size passed in', async () => {
    const jpeg = await jpegWithExif(2000, 1500);
    const meta = await readImageMetadata(jpeg.subarray(0, 4096), 'big.jpg', jpeg.length);
    expect(meta).toMatchObject({ width: 2000, height: 1500, sizeInBytes: jpeg.length });
  });

  it('reads PNGs without EXIF and refuses non-images with the file name', async () => {
    const meta = await readImageMetadata(await pngWithAlpha(), 'a.png');
    expect(meta).toMatchObject({ width: 300, height: 900, channels: 4, hasAlpha: true, format: 'png', exif: {} });
    await expect(readImageMetadata(Buffer.from('not an image'), 'notes/fake.jpg')).rejects.toThrow(InvalidInputError);
    await expect(readImageMetadata(Buffer.from('not an image'), 'notes/fake.jpg')).rejects.toThrow(/^notes\/fake\.jpg: not a readable image/);
  });
});
