import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';
import { InvalidInputError } from '../../errors';
import { checkRequest } from '../validate';

/**
 * Fastify validator built from the TypeBox schemas themselves (no Ajv), so the schema that validates a request is
 * the one `/openapi.json` shows. Query strings and path params are converted first ('10' → 10, 'true' → true).
 * Errors name the field: `body (column "samples[3].fileName"): Expected string`. Numbers in query strings and
 * paths are read strictly first (checkNumberTexts).
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const part = httpPart === 'querystring' ? 'query' : (httpPart ?? 'body');
  return (data: unknown) => {
    try {
      if (part !== 'body') checkNumberTexts(schema, data, part);
      const value = part === 'body' ? data : Value.Convert(schema, data);
      checkRequest(schema, value, part);
      return { value };
    } catch (error) {
      return { error: error as Error };
    }
  };
};

const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/** The properties of an object schema, those of an intersection's members included (`Type.Intersect([Pagination, …])`). */
function propertiesOf(schema: TSchema): Array<[string, TSchema]> {
  const own = Object.entries((schema.properties ?? {}) as Record<string, TSchema>);
  const members = (schema.allOf ?? []) as TSchema[];
  return [...own, ...members.flatMap(propertiesOf)];
}

function acceptsType(schema: TSchema, type: 'integer' | 'number'): boolean {
  if (schema.type === type) return true;
  const members = (schema.anyOf ?? schema.oneOf) as TSchema[] | undefined;
  return members?.some((member) => acceptsType(member, type)) ?? false;
}

/**
 * Integers in a query string or path are digits only (an optional minus) and within ±2^53; decimals are digits with
 * an optional fraction. `1e3`, `0x5`, `3.9` for an integer or `99999999999999999999` are a 400 naming the
 * parameter, never read as something else (converters read `1e3` as 1 and `0x5` as 5).
 *
 * @example checkNumberTexts(Type.Object({ pageSize: Type.Integer() }), { pageSize: '1e3' }, 'query')
 * // throws InvalidInputError: query (column "pageSize"): must be an integer written in digits, got "1e3"
 */
export function checkNumberTexts(schema: TSchema, data: unknown, part: string): void {
  if (typeof data !== 'object' || data === null) return;
  for (const [key, property] of propertiesOf(schema)) {
    const raw = (data as Record<string, unknown>)[key];
    for (const text of Array.isArray(raw) ? raw : [raw]) {
      if (typeof text !== 'string') continue;
      const integer = acceptsType(property, 'integer');
      const number = !integer && acceptsType(property, 'number');
      if (!integer && !number) continue;
      const ok = (integer ? INTEGER_TEXT : DECIMAL_TEXT).test(text) && text.length <= 20 && Math.abs(Number(text)) <= Number.MAX_SAFE_INTEGER;
      if (!ok) {
        const what = integer ? 'an integer written in digits' : 'a number written in digits';
        throw new InvalidInputError({ file: part, column: key }, `must be ${what} (at most ${Number.MAX_SAFE_INTEGER}), got ${JSON.stringify(text.slice(0, 40))}`);
      }
    }
  }
}
