import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';
import { checkRequest } from '../validate';

/**
 * Fastify validator built from the TypeBox schemas themselves (no Ajv), so the schema that validates a request is
 * the one `/openapi.json` shows. Query strings and path params are converted first ('10' → 10, 'true' → true).
 * Errors name the field: `body (column "samples[3].fileName"): Expected string`.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const part = httpPart === 'querystring' ? 'query' : (httpPart ?? 'body');
  return (data: unknown) => {
    const value = part === 'body' ? data : Value.Convert(schema, data);
    try {
      checkRequest(schema, value, part);
      return { value };
    } catch (error) {
      return { error: error as Error };
    }
  };
};
