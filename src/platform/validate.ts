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
  if (check.Check(value)) return;
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
