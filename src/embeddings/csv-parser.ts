import { isUtf8 } from 'node:buffer';
import { InvalidInputError } from '../errors';
import { unsafeFileNameReason } from '../safe-names';
import { firstInvalidUtf8Offset } from '../utf8';
import { INVALID_EMBEDDINGS, parseHeader, type EmbeddingsHeader } from './csv-format';

/*
 * A byte-level parser for the embeddings CSV. Why not csv-parse for the body: a 1M × 1280 file is ~15 GB of
 * numbers, and csv-parse turns every field into a JS string before we could call Number() on it; bench/formats
 * measures it against this parser on the same file (several times slower). Here numbers are parsed straight from the
 * bytes (exact via Clinger's fast path: digits as an integer ≤ 2^53 and |exponent| ≤ 22, else Number() on the text), and
 * only file names become strings. Quoting follows Python's csv module (`""` escapes a quote inside a quoted field).
 */

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const LOWER_E = 101;
const UPPER_E = 69;
const POW10: number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE_TEXT = /^[+-]?(nan|inf|infinity)$/i;
const INTEGER_TEXT = /^[+-]?\d+$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
// Error messages quote at most this much of a bad field, so a binary file does not flood the terminal.
const MAX_QUOTED = 40;
// Returned by field scanners when the buffer ends before the field does (more bytes are needed).
const INCOMPLETE = -1;
// A row is buffered whole until its line break arrives; 64 MiB is ~4M dimensions, so anything longer is not an
// embeddings file (a binary file, or a single-line dump) and must not grow memory without bound.
export const MAX_ROW_BYTES = 64 << 20;

/** Receives parsed rows; `values`/`offset` say where the next row's embedding goes and may change in `onRow`. */
export interface RowSink {
  values: Float32Array;
  offset: number;
  /** Called once the header is known, before the first row (allocate `values` here). */
  onHeader?(header: EmbeddingsHeader): void;
  /** A complete, valid row; `start`/`end` are its byte offsets in the file (end includes the line break). */
  onRow(fileName: string, label: number, line: number, start: number, end: number): void;
}

export interface ParserOptions {
  /** Reject a file name seen on an earlier row (default true; costs one Map entry per row). */
  checkDuplicates?: boolean;
  /** Stop after the header row (readEmbeddingsHeader). */
  headerOnly?: boolean;
}

function quoteForMessage(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
}

/**
 * Incremental parser: `push` chunks as they are read, then `end()`. Validates everything lightly's
 * `check_embeddings` does plus what it leaves to `load_embeddings` to trip over (ragged rows, non-numeric values,
 * non-integer labels, duplicate file names), and throws InvalidInputError naming file, line and column.
 */
export class EmbeddingsCsvParser {
  header: EmbeddingsHeader | undefined;
  /** Data rows accepted so far. */
  rows = 0;
  /** Bytes consumed so far (the file offset where the unparsed remainder starts). */
  consumed = 0;
  /** Size of the header row in bytes, line break included. */
  headerBytes = 0;
  private line = 1;
  private pending: Buffer | undefined;
  private readonly seen: Map<string, number> | undefined;
  private readonly headerOnly: boolean;
  // Scratch results of the field scanners (a second return value without allocating).
  private cursor = 0;
  private newlines = 0;
  // File offset of the buffer being parsed (to name the byte of an encoding error).
  private base = 0;

  constructor(
    readonly file: string,
    options: ParserOptions = {},
  ) {
    this.seen = options.checkDuplicates === false ? undefined : new Map();
    this.headerOnly = options.headerOnly ?? false;
  }

  /** Bytes received but not yet parsed (a row cut by the chunk boundary, or at the end a row without line break). */
  get pendingBytes(): number {
    return this.pending?.length ?? 0;
  }

  /** Parses a buffer that ends at a row boundary (or at the end of the file), e.g. one row read by its offsets. */
  pushComplete(chunk: Buffer, sink: RowSink): void {
    this.parse(chunk, true, sink);
  }

  push(chunk: Buffer, sink: RowSink): void {
    this.parse(chunk, false, sink);
  }

  /** End of input: the last row may lack its line break. Throws if the file had no header. */
  end(sink: RowSink): void {
    this.parse(Buffer.alloc(0), true, sink);
    if (!this.header) throw new InvalidInputError({ file: this.file, line: 1 }, 'file is empty (no header row)', INVALID_EMBEDDINGS);
  }

  private parse(chunk: Buffer, final: boolean, sink: RowSink): void {
    const buf = this.pending && this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    const base = this.consumed;
    this.base = base;
    let pos = 0;
    while (pos < buf.length) {
      const next = this.header ? this.parseRow(buf, pos, final, base, sink) : this.parseHeaderRow(buf, pos, final, sink, base);
      if (next === INCOMPLETE) break;
      pos = next;
      if (this.headerOnly && this.header) break;
    }
    this.consumed = base + pos;
    if (pos < buf.length) {
      if (buf.length - pos > MAX_ROW_BYTES) {
        this.fail(`a row is longer than ${MAX_ROW_BYTES / 2 ** 20} MiB without a line break; is this an embeddings CSV?`);
      }
      this.pending = Buffer.from(buf.subarray(pos));
    }
  }

  private location(column?: string | number, line = this.line) {
    return { file: this.file, line, column };
  }

  private fail(problem: string, column?: string | number, line = this.line): never {
    throw new InvalidInputError(this.location(column, line), problem, INVALID_EMBEDDINGS);
  }

  private parseHeaderRow(buf: Buffer, start: number, final: boolean, sink: RowSink, base: number): number {
    if (start === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
      this.fail('file starts with a UTF-8 byte-order mark; save it as plain UTF-8 (lightly rejects the BOM too)', 1);
    }
    const columns: string[] = [];
    let pos = start;
    let lines = 0;
    for (;;) {
      const end = this.scanText(buf, pos, final, columns.length + 1);
      if (end === INCOMPLETE) return INCOMPLETE;
      columns.push(this.lastText);
      lines += this.newlines;
      pos = end;
      if (buf[pos] === COMMA) {
        pos++;
        continue;
      }
      const after = this.lineEnd(buf, pos, final, columns.length + 1);
      if (after === INCOMPLETE) return INCOMPLETE;
      this.header = parseHeader(this.file, columns);
      this.headerBytes = base + after;
      this.line += 1 + lines;
      sink.onHeader?.(this.header);
      return after;
    }
  }

  /** Parses one data row starting at `start`; returns where the next row starts, or INCOMPLETE. */
  private parseRow(buf: Buffer, start: number, final: boolean, base: number, sink: RowSink): number {
    const header = this.header as EmbeddingsHeader;
    const { roles, columns } = header;
    const first = buf[start];
    if (first === LF || (first === CR && buf[start + 1] === LF)) this.fail('empty row');
    if (first === CR && start + 1 >= buf.length && !final) return INCOMPLETE;
    const values = sink.values;
    let offset = sink.offset;
    let fileName = '';
    let label = 0;
    let lines = 0;
    let pos = start;
    for (let col = 0; col < roles.length; col++) {
      if (col > 0) {
        const c = buf[pos];
        if (c === COMMA) pos++;
        else if (pos >= buf.length && !final) return INCOMPLETE;
        else if (c === CR || c === LF || pos >= buf.length) {
          this.fail(`row has ${col} fields, the header has ${roles.length} (missing from column "${columns[col]}")`, undefined, this.line);
        } else {
          this.fail(`unexpected character after a quoted field`, columns[col - 1]);
        }
      }
      const role = roles[col];
      let end: number;
      if (role === 'embedding' && buf[pos] !== QUOTE) {
        end = this.scanNumber(buf, pos, final, columns[col]);
        if (end === INCOMPLETE) return INCOMPLETE;
        values[offset++] = this.lastNumber;
      } else {
        end = this.scanText(buf, pos, final, columns[col]);
        if (end === INCOMPLETE) return INCOMPLETE;
        lines += this.newlines;
        if (role === 'fileName') {
          fileName = this.lastText;
          if (fileName === '') this.fail('empty file name', columns[col]);
          const unsafe = unsafeFileNameReason(fileName);
          // Names become paths (embed, upload, sync): one that could leave its folder is refused here, for every reader.
          if (unsafe !== undefined) this.fail(`file name ${quoteForMessage(fileName)} ${unsafe}; names must be relative paths inside the image folder`, columns[col]);
        } else if (role === 'label') {
          label = this.parseLabel(this.lastText, columns[col]);
        } else if (role === 'embedding') {
          values[offset++] = this.parseNumberText(this.lastText, columns[col]);
        }
      }
      pos = end;
    }
    if (buf[pos] === COMMA) {
      let extra = roles.length + 1;
      for (let i = pos + 1; i < buf.length && buf[i] !== LF; i++) if (buf[i] === COMMA) extra++;
      this.fail(`row has at least ${extra} fields, the header has ${roles.length}`);
    }
    const next = this.lineEnd(buf, pos, final, columns[roles.length - 1]);
    if (next === INCOMPLETE) return INCOMPLETE;
    if (this.seen) {
      const firstLine = this.seen.get(fileName);
      if (firstLine !== undefined) this.fail(`duplicate file name ${quoteForMessage(fileName)} (first on line ${firstLine})`, columns[0]);
      this.seen.set(fileName, this.line);
    }
    const line = this.line;
    this.line += 1 + lines;
    this.rows++;
    sink.onRow(fileName, label, line, base + start, base + next);
    return next;
  }

  /** After the last field: `\r\n`, `\n`, or the end of the file. */
  private lineEnd(buf: Buffer, pos: number, final: boolean, column: string | number): number {
    if (pos >= buf.length) return final ? pos : INCOMPLETE;
    const c = buf[pos];
    if (c === LF) return pos + 1;
    if (c === CR) {
      if (pos + 1 >= buf.length) return final ? pos + 1 : INCOMPLETE;
      if (buf[pos + 1] === LF) return pos + 2;
      return this.fail('carriage return (\\r) without a line feed (\\n) after it', column);
    }
    return this.fail('unexpected character after a quoted field', column);
  }

  private lastText = '';

  /** A text field (quoted or not); sets lastText and newlines; returns the index just past it. */
  private scanText(buf: Buffer, start: number, final: boolean, column: string | number): number {
    this.newlines = 0;
    if (buf[start] === QUOTE) {
      let i = start + 1;
      let hasEscapes = false;
      for (;;) {
        const q = buf.indexOf(QUOTE, i);
        if (q < 0 || q + 1 >= buf.length) {
          if (!final) return INCOMPLETE;
          if (q < 0) this.fail('unterminated quoted field', column);
        }
        if (buf[q + 1] === QUOTE) {
          hasEscapes = true;
          i = q + 2;
          continue;
        }
        for (let k = start + 1; k < q; k++) if (buf[k] === LF) this.newlines++;
        this.checkUtf8(buf, start + 1, q, column);
        const text = buf.toString('utf8', start + 1, q);
        this.lastText = hasEscapes ? text.replaceAll('""', '"') : text;
        const after = buf[q + 1];
        if (q + 1 < buf.length && after !== COMMA && after !== CR && after !== LF) {
          this.fail('unexpected character after a quoted field', column);
        }
        return q + 1;
      }
    }
    let i = start;
    while (i < buf.length) {
      const c = buf[i];
      if (c === COMMA || c === LF || c === CR) break;
      i++;
    }
    if (i >= buf.length && !final) return INCOMPLETE;
    this.checkUtf8(buf, start, i, column);
    this.lastText = buf.toString('utf8', start, i);
    return i;
  }

  /** Text must be UTF-8: a Latin-1 or UTF-16 name would otherwise become U+FFFD and match nothing (or the wrong file). */
  private checkUtf8(buf: Buffer, start: number, end: number, column: string | number): void {
    const bytes = buf.subarray(start, end);
    if (isUtf8(bytes)) return;
    const offset = this.base + start + firstInvalidUtf8Offset(bytes);
    this.fail(`not valid UTF-8 at byte offset ${offset} (0x${buf[offset - this.base].toString(16).padStart(2, '0')}); save the file as UTF-8`, column);
  }

  private lastNumber = 0;

  /** An unquoted float straight from the bytes; sets lastNumber (already rounded to float32). */
  private scanNumber(buf: Buffer, start: number, final: boolean, column: string): number {
    const length = buf.length;
    let i = start;
    let c = buf[i];
    let negative = false;
    if (c === MINUS) {
      negative = true;
      c = buf[++i];
    } else if (c === PLUS) {
      c = buf[++i];
    }
    // Digits accumulate into a double; as long as it stays ≤ 2^53 every step was exact (checked once at the end).
    let mantissa = 0;
    const intStart = i;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      c = buf[++i];
    }
    let digits = i - intStart;
    let exponent = 0;
    if (c === DOT) {
      c = buf[++i];
      const fractionStart = i;
      while (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        c = buf[++i];
      }
      exponent = fractionStart - i;
      digits += i - fractionStart;
    }
    let valid = digits > 0;
    if (valid && (c === LOWER_E || c === UPPER_E)) {
      c = buf[++i];
      let expNegative = false;
      if (c === MINUS || c === PLUS) {
        expNegative = c === MINUS;
        c = buf[++i];
      }
      let expValue = 0;
      let expDigits = 0;
      while (c >= 48 && c <= 57) {
        // Clamp: anything this large is out of float32 range (or zero) anyway, and Number() below decides.
        if (expValue < 100000) expValue = expValue * 10 + (c - 48);
        expDigits++;
        c = buf[++i];
      }
      valid = expDigits > 0;
      exponent += expNegative ? -expValue : expValue;
    }
    if (i >= length && !final) return INCOMPLETE;
    if (!valid || (i < length && c !== COMMA && c !== CR && c !== LF)) {
      // Not a plain number: find the field's end (it may still be cut by the chunk) and report it.
      let end = i;
      while (end < length && buf[end] !== COMMA && buf[end] !== CR && buf[end] !== LF) end++;
      if (end >= length && !final) return INCOMPLETE;
      this.parseNumberText(buf.toString('utf8', start, end), column);
      return end;
    }
    let value: number;
    if (mantissa > Number.MAX_SAFE_INTEGER || exponent > 22 || exponent < -22) {
      value = Number(buf.toString('latin1', start, i));
    } else {
      value = exponent >= 0 ? mantissa * POW10[exponent] : mantissa / POW10[-exponent];
      if (negative) value = -value;
    }
    const rounded = Math.fround(value);
    if (rounded === Infinity || rounded === -Infinity) {
      this.fail(`value ${quoteForMessage(buf.toString('latin1', start, i))} is out of the float32 range`, column);
    }
    this.lastNumber = rounded;
    return i;
  }

  /** The strict number grammar for quoted or odd fields, with the specific message for each way it can fail. */
  private parseNumberText(text: string, column: string): number {
    if (text === '') this.fail('empty value', column);
    if (NON_FINITE_TEXT.test(text)) this.fail(`value ${quoteForMessage(text)} is not a finite number`, column);
    if (!NUMBER_TEXT.test(text)) this.fail(`value ${quoteForMessage(text)} is not a number`, column);
    const rounded = Math.fround(Number(text));
    if (!Number.isFinite(rounded)) this.fail(`value ${quoteForMessage(text)} is out of the float32 range`, column);
    return rounded;
  }

  private parseLabel(text: string, column: string): number {
    if (text === '') this.fail('empty label', column);
    if (!INTEGER_TEXT.test(text)) this.fail(`label ${quoteForMessage(text)} is not an integer`, column);
    const value = Number(text);
    if (value < INT32_MIN || value > INT32_MAX) this.fail(`label ${quoteForMessage(text)} is out of the 32-bit integer range`, column);
    return value === 0 ? 0 : value;
  }
}
