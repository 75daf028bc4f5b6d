import { InvalidInputError, type ErrorCode } from '../errors';

/*
 * A JSON parser that remembers what JSON.parse forgets and the metadata step needs:
 * - where each object and array starts (line, column), so validation errors point into the file;
 * - which numbers were written as floats (`15.0`, `1e3`), so a rewrite keeps Python's text and key discovery says
 *   "float" for a temperature that happens to be whole. Values stay plain JS numbers; the marks live in WeakMaps.
 * Syntax errors name line and column, and say what is wrong in words (trailing comma, single quotes, …).
 */

/** Error code for custom metadata problems. */
export const INVALID_METADATA = 'INVALID_METADATA' satisfies ErrorCode;

/** 1-based line and column. */
export interface SourcePosition {
  line: number;
  column: number;
}

const positions = new WeakMap<object, SourcePosition>();
const floatKeys = new WeakMap<object, Set<string | number>>();
// Integers beyond 2^53 lose digits as JS numbers; their source text is kept so a rewrite prints them unchanged.
const rawIntegers = new WeakMap<object, Map<string | number, string>>();

/** The source text of a big integer at `container[key]`, if it still describes `value`. */
export function rawIntegerAt(container: object, key: string | number, value: number): string | undefined {
  const raw = rawIntegers.get(container)?.get(key);
  return raw !== undefined && Number(raw) === value ? raw : undefined;
}

/** Copies the float / big-integer marks of `from[fromKey]` to `to[toKey]` (for deep copies). */
export function copyNumberMarks(from: object, fromKey: string | number, to: object, toKey: string | number): void {
  if (floatKeys.get(from)?.has(fromKey)) markFloat(to, toKey);
  const raw = rawIntegers.get(from)?.get(fromKey);
  if (raw !== undefined) recordRawInteger(to, toKey, raw);
}

function recordRawInteger(container: object, key: string | number, raw: string): void {
  let map = rawIntegers.get(container);
  if (!map) {
    map = new Map();
    rawIntegers.set(container, map);
  }
  map.set(key, raw);
}

/** Where an object or array parsed by parseJsonWithPositions started, if known. */
export function positionOf(value: unknown): SourcePosition | undefined {
  return typeof value === 'object' && value !== null ? positions.get(value) : undefined;
}

/** Marks `container[key]` as a float, so it prints as `15.0` and is typed "float". */
export function markFloat(container: object, key: string | number): void {
  let keys = floatKeys.get(container);
  if (!keys) {
    keys = new Set();
    floatKeys.set(container, keys);
  }
  keys.add(key);
}

/** Whether `container[key]` (a number) is a float: not whole, or written as a float in the source. */
export function isFloatAt(container: object, key: string | number, value: number): boolean {
  return !Number.isInteger(value) || (floatKeys.get(container)?.has(key) ?? false);
}

/**
 * A number meant as a Python float even when it is whole (`pyFloat(15)` is written `15.0`), for building metadata
 * in code that must match files written by Python.
 */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

/** Example: `pyFloat(15)` → a value saveCustomMetadata writes as `15.0`. */
export function pyFloat(value: number): PyFloat {
  return new PyFloat(value);
}

const MAX_DEPTH = 512;

class JsonParser {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly code: ErrorCode,
  ) {}

  parse(): unknown {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('the file is empty; expected a JSON object');
    const value = this.value(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describe()} after the end of the JSON value`);
    return value;
  }

  private here(): SourcePosition {
    return { line: this.line, column: this.pos - this.lineStart + 1 };
  }

  private fail(problem: string, at: SourcePosition = this.here()): never {
    throw new InvalidInputError({ file: this.file, line: at.line, column: at.column }, `invalid JSON: ${problem}`, this.code);
  }

  private describe(): string {
    if (this.pos >= this.text.length) return 'end of file';
    return JSON.stringify(this.text[this.pos]);
  }

  private skipWhitespace(): void {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c === 10) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === 32 || c === 9 || c === 13) {
        this.pos++;
      } else if (c === 47 && (text[this.pos + 1] === '/' || text[this.pos + 1] === '*')) {
        this.fail('comments are not allowed in JSON');
      } else {
        return;
      }
    }
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number().value;
    if (this.text.startsWith('true', this.pos)) return this.literal('true', true);
    if (this.text.startsWith('false', this.pos)) return this.literal('false', false);
    if (this.text.startsWith('null', this.pos)) return this.literal('null', null);
    if (c === "'") this.fail('strings must use double quotes');
    if (/^(NaN|-?Infinity)/.test(this.text.slice(this.pos, this.pos + 9))) this.fail('NaN and Infinity are not valid JSON numbers');
    if (c === undefined) this.fail('unexpected end of file; expected a value');
    return this.fail(`unexpected ${this.describe()}; expected a value`);
  }

  private literal<T>(word: string, value: T): T {
    this.pos += word.length;
    return value;
  }

  private object(depth: number): Record<string, unknown> {
    const start = this.here();
    const result: Record<string, unknown> = {};
    positions.set(result, start);
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') {
        if (this.text[this.pos] === "'") this.fail('property names must use double quotes');
        this.fail(`expected a property name in double quotes, found ${this.describe()}`);
      }
      const keyAt = this.here();
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(result, key)) this.fail(`duplicate property ${JSON.stringify(key)}`, keyAt);
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(`expected ":" after property name ${JSON.stringify(key)}, found ${this.describe()}`);
      this.pos++;
      this.skipWhitespace();
      if (this.isNumberStart()) {
        const { value, float, raw } = this.number();
        result[key] = value;
        if (float) markFloat(result, key);
        else if (!Number.isSafeInteger(value)) recordRawInteger(result, key, raw);
      } else {
        // defineProperty: a key named "__proto__" must become data, not the prototype.
        Object.defineProperty(result, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      }
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === '}') {
        this.pos++;
        return result;
      }
      if (c !== ',') this.fail(`expected "," or "}" after the value of ${JSON.stringify(key)}, found ${this.describe()}`);
      const commaAt = this.here();
      this.pos++;
      this.skipWhitespace();
      if (this.text[this.pos] === '}') {
        this.fail(`trailing comma before "}" (the comma on line ${commaAt.line}, column ${commaAt.column} must go)`);
      }
    }
  }

  private array(depth: number): unknown[] {
    const start = this.here();
    const result: unknown[] = [];
    positions.set(result, start);
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      if (this.isNumberStart()) {
        const { value, float, raw } = this.number();
        if (float) markFloat(result, result.length);
        else if (!Number.isSafeInteger(value)) recordRawInteger(result, result.length, raw);
        result.push(value);
      } else {
        result.push(this.value(depth + 1));
      }
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ']') {
        this.pos++;
        return result;
      }
      if (c !== ',') this.fail(`expected "," or "]" in an array, found ${this.describe()}`);
      const commaAt = this.here();
      this.pos++;
      this.skipWhitespace();
      if (this.text[this.pos] === ']') {
        this.fail(`trailing comma before "]" (the comma on line ${commaAt.line}, column ${commaAt.column} must go)`);
      }
    }
  }

  private isNumberStart(): boolean {
    const c = this.text.charCodeAt(this.pos);
    return c === 45 || (c >= 48 && c <= 57);
  }

  private number(): { value: number; float: boolean; raw: string } {
    const match = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const found = match.exec(this.text);
    if (!found || found[0] === '-') {
      if (this.text.startsWith('-Infinity', this.pos)) this.fail('NaN and Infinity are not valid JSON numbers');
      this.fail(`invalid number starting with ${this.describe()}`);
    }
    const next = this.text[this.pos + found[0].length];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) this.fail(`invalid number ${JSON.stringify(found[0] + next)}`);
    this.pos += found[0].length;
    return { value: Number(found[0]), float: found[2] !== undefined || found[3] !== undefined, raw: found[0] };
  }

  private string(): string {
    const text = this.text;
    const start = this.pos + 1;
    let i = start;
    let simple = true;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        simple = false;
        i += 2;
        continue;
      }
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c < 32) {
        this.pos = i;
        this.fail(c === 10 ? 'line break inside a string (write it as \\n)' : 'control character inside a string');
      }
      i++;
    }
    const raw = text.slice(start, i);
    this.pos = i + 1;
    if (simple) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      this.pos = start;
      return this.fail('invalid escape sequence in a string');
    }
  }
}

/**
 * Parses JSON text, recording positions and float marks (see positionOf, isFloatAt).
 * Throws InvalidInputError `file:line:column: invalid JSON: …` with `code` (metadata files by default; config files
 * pass INVALID_CONFIG) — every JSON file Winnow reads gets its syntax errors from here.
 *
 * Example: `parseJsonWithPositions('{"t": 15.0}', 'a.json')` → `{ t: 15 }` with `isFloatAt(result, 't', 15)` true.
 */
export function parseJsonWithPositions(text: string, file: string, code: ErrorCode = INVALID_METADATA): unknown {
  return new JsonParser(text, file, code).parse();
}
