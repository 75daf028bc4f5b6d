import { isFloatAt, PyFloat, rawIntegerAt } from './json-source';

/*
 * JSON text exactly as Python's `json.dump(obj, f, indent=…)` writes it with default settings, so files we save
 * are byte-identical to lightly's: ensure_ascii escapes (`\u00e9`, lowercase hex, surrogate pairs), item separator
 * "," + newline with indent (", " without), key separator ": ", floats in `repr` style (`15.0`, `1e-05`, `1e+16`),
 * no trailing newline. Object keys keep insertion order (JS puts integer-like keys first; Python would not).
 */

/** Python `repr(float)`: shortest round-trip digits, positional for 1e-4 ≤ |x| < 1e16, else `d.ddde±XX`. */
export function formatPythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const negative = x < 0;
  // toExponential() without an argument gives the shortest digits that identify the double.
  const [mantissa, exp] = Math.abs(x).toExponential().split('e');
  const exponent = Number(exp);
  const digits = mantissa.replace('.', '');
  let text: string;
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) text = `0.${'0'.repeat(-exponent - 1)}${digits}`;
    else if (digits.length <= exponent + 1) text = `${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
    else text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  } else {
    const abs = Math.abs(exponent);
    text = `${digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return negative ? `-${text}` : text;
}

function formatInteger(x: number): string {
  // String() switches to exponent notation at 1e21; Python prints every digit of an int.
  return Math.abs(x) < 1e21 ? String(x === 0 ? 0 : x) : BigInt(x).toString();
}

const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** Python `json.dumps(s)` with ensure_ascii. Example: `'café "x"'` → `'"caf\\u00e9 \\"x\\""'`. */
export function formatPythonString(s: string): string {
  if (PLAIN_ASCII.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function formatNumber(container: object | undefined, key: string | number, value: number): string {
  if (!Number.isFinite(value)) return formatPythonFloat(value);
  if (container !== undefined && isFloatAt(container, key, value)) return formatPythonFloat(value);
  const raw = container === undefined ? undefined : rawIntegerAt(container, key, value);
  if (raw !== undefined) return raw;
  if (container === undefined && !Number.isInteger(value)) return formatPythonFloat(value);
  return formatInteger(value);
}

function write(value: unknown, container: object | undefined, key: string | number, indent: number | null, level: number): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return formatNumber(container, key, value);
  if (typeof value === 'string') return formatPythonString(value);
  if (value instanceof PyFloat) return formatPythonFloat(value.value);
  if (typeof value === 'bigint') return value.toString();
  const inner = indent === null ? '' : `\n${' '.repeat(indent * (level + 1))}`;
  const outer = indent === null ? '' : `\n${' '.repeat(indent * level)}`;
  const separator = indent === null ? ', ' : `,${inner}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item, index) => write(item === undefined ? null : item, value, index, indent, level + 1));
    return `[${inner}${items.join(separator)}${outer}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && typeof v !== 'function');
    if (entries.length === 0) return '{}';
    const items = entries.map(([k, v]) => `${formatPythonString(k)}: ${write(v, value, k, indent, level + 1)}`);
    return `{${inner}${items.join(separator)}${outer}}`;
  }
  throw new TypeError(`cannot write a ${typeof value} as JSON`);
}

/**
 * `json.dumps(value, indent=indent)` byte for byte (indent null = Python's compact default `{"a": 1, "b": [2, 3]}`).
 *
 * Example: `stringifyPythonJson({ a: pyFloat(15), b: [1] }, 4)` → `'{\n    "a": 15.0,\n    "b": [\n        1\n    ]\n}'`.
 */
export function stringifyPythonJson(value: unknown, indent: number | null = 4): string {
  return write(value, undefined, '', indent, 0);
}
