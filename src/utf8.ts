import { isUtf8 } from 'node:buffer';
import { InvalidInputError } from './errors';

/**
 * Byte offset of the first byte that does not start (or continue) a valid UTF-8 sequence, or -1 when all of `bytes`
 * is valid UTF-8. Overlong forms, surrogates and code points above U+10FFFF count as invalid, as in TextDecoder.
 *
 * @example firstInvalidUtf8Offset(Buffer.from([0x61, 0xff, 0x62])) // → 1
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return -1;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= bytes.length) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Decodes text that must be UTF-8, or throws InvalidInputError naming the file and the byte offset (code
 * INVALID_ENCODING) — never U+FFFD in place of the bytes. `baseOffset` is where `bytes` starts in the file.
 *
 * @example decodeUtf8Strict(readFileSync('meta.json'), 'meta.json')
 * // throws: meta.json (column "byte 0"): not valid UTF-8 at byte offset 0 (0xff); save the file as UTF-8 (UTF-16 is not accepted)
 */
export function decodeUtf8Strict(bytes: Uint8Array, file: string, baseOffset = 0): string {
  assertUtf8(bytes, file, baseOffset);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Throws like decodeUtf8Strict when `bytes` is not valid UTF-8; decodes nothing. */
export function assertUtf8(bytes: Uint8Array, file: string, baseOffset = 0): void {
  const bad = firstInvalidUtf8Offset(bytes);
  if (bad < 0) return;
  const offset = baseOffset + bad;
  let line = 1;
  for (let i = 0; i < bad; i++) if (bytes[i] === 10) line++;
  const hint = bytes[0] === 0xff || bytes[0] === 0xfe ? ' (it looks like UTF-16)' : '';
  throw new InvalidInputError(
    baseOffset === 0 ? { file, line, column: `byte ${offset}` } : { file, column: `byte ${offset}` },
    `not valid UTF-8 at byte offset ${offset} (0x${bytes[bad].toString(16).padStart(2, '0')})${hint}; save the file as UTF-8`,
    'INVALID_ENCODING',
  );
}
