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
  const shortest = shortestFast(a) ?? shortestExact(a);
  const text =
    a >= MIN_POSITIONAL && a < MAX_POSITIONAL
      ? positional(shortest.digits, shortest.exponent)
      : scientific(shortest.digits, shortest.exponent);
  return negative ? `-${text}` : text;
}

/** Significant digits (no trailing zeros) and the decimal exponent of the first digit: 0.0123 → `{ '123', -2 }`. */
interface Decimal {
  digits: string;
  exponent: number;
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

/** `integer · 10^unitExponent` as digits and leading exponent (a rounded-up 9.99→10 simply gains a digit). */
function toDecimal(integer: number, unitExponent: number): Decimal {
  const text = String(integer);
  let end = text.length;
  while (end > 1 && text.charCodeAt(end - 1) === 48) end--;
  return { digits: text.slice(0, end), exponent: unitExponent + text.length - 1 };
}

/**
 * Pure double arithmetic: the nearest p-digit decimal is `round(a·10^k)`, checked by parsing it back with one exact
 * operation. The rounding interval of a float32 is symmetric except at powers of two, so if any p-digit decimal
 * round-trips the nearest one does, and round-tripping is monotone in p: a binary search over p = 1…9 finds the
 * shortest. Returns undefined whenever a case is not provably exact here (powers of two, subnormals, huge exponents,
 * near-ties); the exact path handles those.
 */
function shortestFast(a: number): Decimal | undefined {
  if (a < MIN_NORMAL_FLOAT32) return undefined;
  scratchF32[0] = a;
  if ((scratchU32[0] & 0x7fffff) === 0) return undefined;
  let exponent = Math.floor(Math.log10(a));
  const k9 = 8 - exponent;
  if (k9 > MAX_EXACT_POW || k9 < -MAX_EXACT_POW) return undefined;
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
    if (k > MAX_EXACT_POW || k < -MAX_EXACT_POW) return undefined;
    const scaled = k >= 0 ? a * POW10[k] : a / POW10[-k];
    const floor = Math.floor(scaled);
    if (Math.abs(scaled - floor - 0.5) < ROUNDING_GUARD) return undefined;
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
  if (best < 0) return undefined;
  return toDecimal(best, -bestK);
}

/**
 * Exact but slower: V8's `toExponential(p-1)` is correctly rounded, `Number()` parses correctly; at powers of two
 * the interval below is half as wide as above, so the neighbours of the nearest candidate are tried too and the
 * closest round-tripping one wins. An exact tie (the value has p+1 digits ending in 5, e.g. 512313.625 at 8 digits)
 * goes to the even digit, as numpy's Dragon4 does; toExponential would round it up.
 */
function shortestExact(a: number): Decimal {
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
    if (best !== undefined) return toDecimal(best, exponent);
  }
  // Unreachable: 9 significant digits always identify a float32.
  throw new Error(`no shortest representation for ${a}`);
}
