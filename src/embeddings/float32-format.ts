/**
 * float32 ↔ text exactly as numpy ≥ 2 prints a `np.float32` scalar with `str()`, which is what lightly's
 * `save_embeddings` writes: the shortest digits that parse back to the same float32 (Dragon4 "unique" mode),
 * positional for 1e-4 ≤ |x| < 1e6 (numpy's float32 cutoff) with at least one fractional digit, scientific otherwise
 * with trailing zeros and a bare dot trimmed and a two-digit exponent.
 */

// 10^0 … 10^22 are exact doubles, so `int * POW10[k]` and `int / POW10[k]` are single, correctly rounded operations
// for integers below 2^53 (Clinger's fast path). Outside that range we take the slow, string-based route.
const POW10: number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const MAX_EXACT_POW = 22;
// numpy's `floattype_str_either` cutoffs for float32 (max_positional = 1e6 since numpy 2.0; min 1e-4).
const MIN_POSITIONAL = 1e-4;
const MAX_POSITIONAL = 1e6;
// Doubles carry ~16 digits; a scaled candidate within this distance of .5 may round either way, so we re-check slowly.
const ROUNDING_GUARD = 1e-6;
// Below 2^-126 float32 values are subnormal and their rounding interval no longer follows the exponent pattern.
const MIN_NORMAL_FLOAT32 = 2 ** -126;

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

// Result registers of shortestInto: significand digits as an integer without trailing zeros (≤ 9 digits, so int32
// arithmetic is exact), their count, and the decimal exponent of the first digit. 0.0123 → 123, 3, -2.
// Module-level instead of a returned object: the writer formats a billion values and must not allocate per value.
let resultDigits = 0;
let resultLength = 0;
let resultExponent = 0;

function digitCount(integer: number): number {
  let count = 1;
  while (count < 10 && integer >= POW10[count]) count++;
  return count;
}

/** Stores `integer · 10^unitExponent` in the result registers (a rounded-up 9.99→10 simply gains a digit). */
function setResult(integer: number, unitExponent: number): void {
  let digits = integer;
  let length = digitCount(digits);
  resultExponent = unitExponent + length - 1;
  while (digits % 10 === 0) {
    digits /= 10;
    length--;
  }
  resultDigits = digits;
  resultLength = length;
}

function shortestInto(a: number): void {
  if (!shortestFast(a)) shortestExact(a);
}

/**
 * The shortest text that parses back to the same float32, in numpy's `str(np.float32(x))` style.
 *
 * Example: `formatFloat32(0.1)` → `'0.1'`, `3` → `'3.0'`, `-2.5e-7` → `'-2.5e-07'`, `123456789` → `'1.2345679e+08'`,
 * `1e20` → `'1e+20'`, `-0` → `'-0.0'`, `NaN` → `'nan'`, `-Infinity` → `'-inf'`.
 */
export function formatFloat32(x: number): string {
  const v = Math.fround(x);
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  if (v !== v) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  const negative = v < 0;
  const a = negative ? -v : v;
  shortestInto(a);
  const digits = String(resultDigits);
  const text = a >= MIN_POSITIONAL && a < MAX_POSITIONAL ? positional(digits, resultExponent) : scientific(digits, resultExponent);
  return negative ? `-${text}` : text;
}

function positional(digits: string, exponent: number): string {
  if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${digits}`;
  const intLength = exponent + 1;
  if (digits.length <= intLength) return `${digits}${'0'.repeat(intLength - digits.length)}.0`;
  return `${digits.slice(0, intLength)}.${digits.slice(intLength)}`;
}

function scientific(digits: string, exponent: number): string {
  const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  const sign = exponent < 0 ? '-' : '+';
  const abs = exponent < 0 ? -exponent : exponent;
  return `${mantissa}e${sign}${abs < 10 ? '0' : ''}${abs}`;
}

/** Longest text formatFloat32 can produce (`-1.2345678e-38`, `-0.00012345678`) — size buffers with it. */
export const MAX_FLOAT32_TEXT = 16;
const ZERO = 48;
const DOT = 46;
const MINUS = 45;
const digitScratch = new Uint8Array(10);

function writeAscii(text: string, out: Uint8Array, pos: number): number {
  for (let i = 0; i < text.length; i++) out[pos + i] = text.charCodeAt(i);
  return pos + text.length;
}

/**
 * formatFloat32 written as ASCII bytes into `out` at `pos` (room for MAX_FLOAT32_TEXT bytes needed); returns the
 * position after it. Same text, no string allocation: this is what the CSV writer uses.
 */
export function writeFloat32(x: number, out: Uint8Array, pos: number): number {
  const v = Math.fround(x);
  if (v === 0 || v !== v || v === Infinity || v === -Infinity) return writeAscii(formatFloat32(v), out, pos);
  let p = pos;
  let a = v;
  if (v < 0) {
    out[p++] = MINUS;
    a = -v;
  }
  shortestInto(a);
  const length = resultLength;
  const exponent = resultExponent;
  let digits = resultDigits;
  for (let k = length - 1; k >= 0; k--) {
    const next = (digits / 10) | 0;
    digitScratch[k] = ZERO + digits - next * 10;
    digits = next;
  }
  if (a >= MIN_POSITIONAL && a < MAX_POSITIONAL) {
    if (exponent < 0) {
      out[p++] = ZERO;
      out[p++] = DOT;
      for (let z = -exponent - 1; z > 0; z--) out[p++] = ZERO;
      for (let k = 0; k < length; k++) out[p++] = digitScratch[k];
      return p;
    }
    const intLength = exponent + 1;
    for (let k = 0; k < intLength; k++) out[p++] = k < length ? digitScratch[k] : ZERO;
    out[p++] = DOT;
    if (length <= intLength) out[p++] = ZERO;
    else for (let k = intLength; k < length; k++) out[p++] = digitScratch[k];
    return p;
  }
  out[p++] = digitScratch[0];
  if (length > 1) {
    out[p++] = DOT;
    for (let k = 1; k < length; k++) out[p++] = digitScratch[k];
  }
  out[p++] = 101; // 'e'
  out[p++] = exponent < 0 ? MINUS : 43;
  const abs = exponent < 0 ? -exponent : exponent;
  out[p++] = ZERO + ((abs / 10) | 0);
  out[p++] = ZERO + (abs % 10);
  return p;
}

/**
 * Pure double arithmetic: the nearest p-digit decimal is `round(a·10^k)`, checked by parsing it back with one exact
 * operation. The rounding interval of a float32 is symmetric except at powers of two, so if any p-digit decimal
 * round-trips the nearest one does, and round-tripping is monotone in p: a binary search over p = 1…9 finds the
 * shortest. Returns false whenever a case is not provably exact here (powers of two, subnormals, huge exponents,
 * near-ties); the exact path handles those.
 */
function shortestFast(a: number): boolean {
  if (a < MIN_NORMAL_FLOAT32) return false;
  scratchF32[0] = a;
  if ((scratchU32[0] & 0x7fffff) === 0) return false;
  let exponent = Math.floor(Math.log10(a));
  const k9 = 8 - exponent;
  if (k9 > MAX_EXACT_POW || k9 < -MAX_EXACT_POW) return false;
  const s9 = k9 >= 0 ? a * POW10[k9] : a / POW10[-k9];
  if (s9 >= 1e9) exponent++;
  else if (s9 < 1e8) exponent--;
  let lo = 1;
  let hi = 9;
  let best = -1;
  let bestK = 0;
  while (lo <= hi) {
    const p = (lo + hi) >> 1;
    const k = p - 1 - exponent;
    if (k > MAX_EXACT_POW || k < -MAX_EXACT_POW) return false;
    const scaled = k >= 0 ? a * POW10[k] : a / POW10[-k];
    const floor = Math.floor(scaled);
    if (Math.abs(scaled - floor - 0.5) < ROUNDING_GUARD) return false;
    const candidate = scaled - floor < 0.5 ? floor : floor + 1;
    const back = k >= 0 ? candidate / POW10[k] : candidate * POW10[-k];
    if (Math.fround(back) === a) {
      best = candidate;
      bestK = k;
      hi = p - 1;
    } else {
      lo = p + 1;
    }
  }
  if (best < 0) return false;
  setResult(best, -bestK);
  return true;
}

/**
 * Exact but slower: V8's `toExponential(p-1)` is correctly rounded, `Number()` parses correctly; at powers of two
 * the interval below is half as wide as above, so the neighbours of the nearest candidate are tried too and the
 * closest round-tripping one wins. An exact tie (the value has p+1 digits ending in 5, e.g. 512313.625 at 8 digits)
 * goes to the even digit, as numpy's Dragon4 does; toExponential would round it up.
 */
function shortestExact(a: number): void {
  for (let p = 1; p <= 9; p++) {
    const nearest = a.toExponential(p - 1);
    const ePos = nearest.indexOf('e');
    const mantissa = Number(nearest.slice(0, ePos).replace('.', ''));
    const exponent = Number(nearest.slice(ePos + 1)) - (p - 1);
    const longer = a.toExponential(p);
    const tie = Number(longer) === a && longer[longer.indexOf('e') - 1] === '5';
    let best: number | undefined;
    let bestDistance = Infinity;
    for (const candidate of [mantissa, mantissa - 1, mantissa + 1]) {
      if (candidate <= 0) continue;
      const value = Number(`${candidate}e${exponent}`);
      if (Math.fround(value) !== a) continue;
      const distance = Math.abs(value - a);
      const closer = tie && best !== undefined && Math.abs(distance - bestDistance) <= Math.abs(a) * 1e-12 ? candidate % 2 === 0 : distance < bestDistance;
      if (closer) {
        best = candidate;
        bestDistance = distance;
      }
    }
    if (best !== undefined) {
      setResult(best, exponent);
      return;
    }
  }
  // Unreachable: 9 significant digits always identify a float32.
  throw new Error(`no shortest representation for ${a}`);
}
