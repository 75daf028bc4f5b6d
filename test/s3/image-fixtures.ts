import sharp from 'sharp';

/** A small JPEG with camera EXIF (Make, Model, DateTimeOriginal, exposure, GPS in the IFD the way cameras write it). */
export async function jpegWithExif(width = 640, height = 480): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 120, g: 180, b: 60 } } })
    .jpeg({ quality: 80 })
    .withExif({
      IFD0: { Make: 'Winnow Cam', Model: 'WC-1', Software: 'winnow-test' },
      IFD2: { DateTimeOriginal: '2026:05:01 10:12:00', ExposureTime: '1/250', FNumber: '28/10', ISOSpeedRatings: '200', FocalLength: '50/1' },
      IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '33/1 52/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '151/1 12/1 36/1' },
    })
    .toBuffer();
}

export async function pngWithAlpha(width = 300, height = 900): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
}
