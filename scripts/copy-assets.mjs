// Copies what tsc does not emit but n8n loads from dist/: node and credential icons (svg/png) and codex files
// (<Node>.node.json). Run after `tsc -p tsconfig.build.json` (see the "build" script).
import { cpSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ASSET = /\.(svg|png)$|\.node\.json$/;

function copyAssets(dir) {
  const source = path.join(root, dir);
  let copied = 0;
  for (const entry of readdirSync(source, { recursive: true })) {
    const file = path.join(source, entry);
    if (!ASSET.test(entry) || !statSync(file).isFile()) continue;
    cpSync(file, path.join(root, 'dist', dir, entry));
    copied++;
  }
  return copied;
}

const copied = ['nodes', 'credentials'].reduce((sum, dir) => sum + copyAssets(dir), 0);
console.log(`copy-assets: ${copied} icon and codex files into dist/`);
