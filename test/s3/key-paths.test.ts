import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, createKeyFilter, isImageKey, safeLocalPath } from '../../src/s3/key-paths';

const root = '/data/farm';

describe('safeLocalPath', () => {
  it('maps ordinary keys under the target', () => {
    expect(safeLocalPath(root, 'cows/001.jpg')).toEqual({ ok: true, path: '/data/farm/cows/001.jpg' });
    expect(safeLocalPath(root, 'a b/ü…/x.png')).toEqual({ ok: true, path: '/data/farm/a b/ü…/x.png' });
  });

  it.each([
    ['../etc/passwd', '".."'],
    ['cows/../../etc/passwd', '".."'],
    ['..', '".."'],
    ['/etc/passwd', 'absolute'],
    ['a\0b.jpg', 'NUL'],
    ['a\\..\\b.jpg', 'backslash'],
    ['C:/x.jpg', 'drive letter'],
    ['a//b.jpg', 'empty segment'],
    ['./a.jpg', '"."'],
    ['.winnow/sync-manifest.sqlite', 'reserved'],
    [`${'x'.repeat(256)}.jpg`, 'longer than 255'],
    ['', 'empty'],
  ])('refuses %j', (key, reason) => {
    const result = safeLocalPath(root, key);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('never yields a path outside the target, whatever the key', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('..', '.', '', '/', '\\', '\0', 'a', 'b.jpg', '%2e%2e'), fc.string()), { maxLength: 8 }), (parts) => {
        const result = safeLocalPath(root, parts.join('/'));
        if (result.ok) expect(result.path.startsWith(root + path.sep)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('createKeyFilter', () => {
  it('takes everything by default', () => {
    expect(createKeyFilter({})('x/y.bin')).toBe(true);
  });

  it('matches file-name globs at any depth and path globs from the root', () => {
    const keep = createKeyFilter({ include: ['*.jpg', 'raw/**'], exclude: ['**/tmp/**', '*.tmp.jpg'] });
    expect(keep('a.jpg')).toBe(true);
    expect(keep('cows/b.jpg')).toBe(true);
    expect(keep('raw/c.bin')).toBe(true);
    expect(keep('cows/c.png')).toBe(false);
    expect(keep('cows/tmp/d.jpg')).toBe(false);
    expect(keep('e.tmp.jpg')).toBe(false);
  });

  it('filters images by extension, case-insensitively', () => {
    const keep = createKeyFilter({ imagesOnly: true });
    expect(keep('a/B.JPG')).toBe(true);
    expect(keep('a/b.webp')).toBe(true);
    expect(keep('a/b.txt')).toBe(false);
    expect(keep('a.jpg/readme')).toBe(false);
    expect(isImageKey('x.tiff')).toBe(true);
  });
});

describe('compareKeys', () => {
  it('orders like S3 (UTF-8 bytes), not like JS strings', () => {
    // UTF-16 puts U+1F600 (surrogates 0xD83D…) before U+FF61; UTF-8 (F0… vs EF…) puts it after.
    expect(compareKeys('\uFF61', '\u{1F600}')).toBeLessThan(0);
    expect('\uFF61' < '\u{1F600}').toBe(false);
  });
});
