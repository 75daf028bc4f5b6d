import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';
import { InvalidInputError } from '../../errors';

/**
 * Fastify validator built from the TypeBox schemas themselves (no Ajv), so the schema that validates a request is
 * the one `/openapi.json` shows. Query strings and path params are converted first ('10' → 10, 'true' → true).
 * Errors name the field: `body (column "samples[3].fileName"): Expected string`.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const part = httpPart === 'querystring' ? 'query' : (httpPart ?? 'body');
  return (data: unknown) => {
    const value = part === 'body' ? data : Value.Convert(schema, data);
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const field = pointerToField(first?.path ?? '');
    const problem = first === undefined ? 'invalid' : `${first.message}${first.value === undefined ? '' : ` (got ${preview(first.value)})`}`;
    return { error: new InvalidInputError({ file: part, column: field || '(root)' }, problem) };
  };
};

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
