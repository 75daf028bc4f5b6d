#!/usr/bin/env node
'use strict';
// Checked before anything native loads: on another Node, better-sqlite3 and onnxruntime-node (built for the Node the
// package was installed with) would crash the process instead of saying what is wrong.
const { requiredNodeMajor, nodeVersionProblem } = require('./node-version.js');
const problem = nodeVersionProblem(process.versions.node, requiredNodeMajor());
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
require('../dist/src/cli/main.js').main();
