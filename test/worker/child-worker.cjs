'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry run by plain node */
// A pipeline worker as its own process, for tests that kill -9 it. Settings come from the environment:
// TEMPORAL_ADDRESS, WINNOW_TEST_TASK_QUEUE, WINNOW_WORK_DIR, WINNOW_TEST_CONCURRENCY. It prints `ready` once polling
// and one JSON line per embedded batch (the activity's debug log), which the test reads to know what was done.
require('./register-ts.cjs');
const { DefaultLogger, Runtime } = require('@temporalio/worker');

Runtime.install({
  logger: new DefaultLogger('DEBUG', (entry) => {
    if (entry.message === 'embedded batch') process.stdout.write(`${JSON.stringify({ batch: entry.meta.filesDone, shard: entry.meta.shard })}\n`);
    else if (entry.level === 'WARN' || entry.level === 'ERROR') process.stderr.write(`[${entry.level}] ${entry.message}\n`);
  }),
});

const { createPipelineWorker } = require('../../worker/worker.ts');

createPipelineWorker({
  taskQueue: process.env.WINNOW_TEST_TASK_QUEUE,
  concurrency: Number(process.env.WINNOW_TEST_CONCURRENCY ?? 1),
  workDir: process.env.WINNOW_WORK_DIR,
  shutdownGraceTime: '5s',
  // The crash test compares what the server last heard with what the CSV kept; no throttling hides a checkpoint.
  maxHeartbeatThrottleInterval: '100ms',
})
  .then(async (pipelineWorker) => {
    const running = pipelineWorker.run();
    process.stdout.write('ready\n');
    await running;
    process.stdout.write('stopped\n');
  })
  .catch((error) => {
    process.stderr.write(`worker failed: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  });
