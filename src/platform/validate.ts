import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { InvalidInputError } from '../errors';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * Checks a request part against its TypeBox schema and throws InvalidInputError naming the field — the one check the
 * server's validator and the embedded client share, so both reject the same input with the same message.
 *
 * @example
 * checkRequest(DatasetCreateRequest, { name: 'ab' }, 'body')
 * // throws InvalidInputError: body (column "name"): Expected string length greater or equal to 3 (got "ab")
 */
export function checkRequest<T extends TSchema>(schema: T, value: unknown, part = 'body'): void {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  if (check.Check(value)) {
    refuseControlCharactersInNames(value, part);
    return;
  }
  const first = check.Errors(value).First();
  const field = pointerToField(first?.path ?? '');
  const problem = first === undefined ? 'invalid' : `${first.message}${first.value === undefined ? '' : ` (got ${preview(first.value)})`}`;
  throw new InvalidInputError({ file: part, column: field || '(root)' }, problem);
}

/** `/samples/3/fileName` → `samples[3].fileName` */
function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

// Long values are cut: an error message is for a person, and a body can be megabytes.
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// C0 and C1 control characters, DEL included: ESC (U+001B) starts terminal escape sequences, CR rewrites a line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// Fields that hold a name someone else will see printed (token list, dataset table, tag list, file names).
const NAME_FIELD = /(^|[a-z_])(name|names|user)$/i;

/**
 * The platform's one policy on control characters: names (`name`, `*Name`, `fileNames`, `file_name`, `user`, and
 * every query/path parameter) that hold one are refused with a 400 naming the field, so no stored name can rewrite
 * another user's terminal or page. Free text (metadata values) may hold them; printers escape what they show.
 *
 * @example refuseControlCharactersInNames({ name: 'x\u001b[2K' }, 'body')
 * // throws InvalidInputError: body (column "name"): contains the control character U+001B at position 1; …
 */
export function refuseControlCharactersInNames(value: unknown, part = 'body'): void {
  const visit = (item: unknown, field: string, isName: boolean): void => {
    if (typeof item === 'string') {
      if (!isName) return;
      const match = CONTROL_CHARACTER.exec(item);
      if (match) {
        const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
        throw new InvalidInputError({ file: part, column: field || '(root)' }, `contains the control character U+${code} at position ${match.index}; names must be printable`);
      }
    } else if (Array.isArray(item)) {
      item.forEach((entry, i) => visit(entry, `${field}[${i}]`, isName));
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, entry] of Object.entries(item)) visit(entry, field === '' ? key : `${field}.${key}`, isName || NAME_FIELD.test(key));
    }
  };
  visit(value, '', part !== 'body');
}
