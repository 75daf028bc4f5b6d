'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry run by plain node */
// Entry: `npx node bench/temporal/run.cjs [images]`. Runs the TypeScript bench through the same swc hook as the
// crash test's child worker, so no build is needed.
require('../../test/worker/register-ts.cjs');
require('./pipeline-bench.ts');
