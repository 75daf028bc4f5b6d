'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry run by plain node */
// Lets a plain `node` child process (the worker the crash test kills) run the TypeScript sources directly:
// Node's own type stripping cannot resolve extensionless CommonJS imports, so swc (already installed with the
// Temporal worker, which bundles workflows with it) transpiles each .ts file on load.
const { readFileSync } = require('node:fs');
const { registerHooks } = require('node:module');
const { fileURLToPath } = require('node:url');
const { transformSync } = require('@swc/core');

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith('.') || !context.parentURL || !context.parentURL.endsWith('.ts')) throw error;
      for (const suffix of ['.ts', '/index.ts']) {
        try {
          return nextResolve(specifier + suffix, context);
        } catch {
          // try the next suffix
        }
      }
      throw error;
    }
  },
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
    const filename = fileURLToPath(url);
    const { code } = transformSync(readFileSync(filename, 'utf8'), {
      filename,
      module: { type: 'commonjs' },
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      sourceMaps: 'inline',
    });
    return { format: 'commonjs', source: code, shortCircuit: true };
  },
});
