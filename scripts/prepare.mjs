// npm's `prepare` (after `npm ci` / `npm install` in the checkout, and for a git install): build dist/ and the web app.
// One exception: the first `npx winnow …` in a checkout. npm 11 runs a project's own bin by installing the checkout
// into its npx cache as a link to this very folder (libnpmexec), and that install runs `prepare` again — a second full
// build of what `npm ci` built a minute before. When the folder being prepared is the project npx runs in and it is
// built already, there is nothing to do.
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = realpathSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
const npmProject = process.env.npm_config_local_prefix;
const npxSelfInstall = process.env.npm_command === 'exec' && npmProject !== undefined && existsSync(npmProject) && realpathSync(npmProject) === root;
const built = ['dist/src/cli/main.js', 'web/dist/index.html'].every((file) => existsSync(path.join(root, file)));

if (!(npxSelfInstall && built)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
