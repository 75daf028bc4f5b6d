import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import { STATE_DIR } from './key-paths';

/** MD5 hex of a file, streamed; equals a single-part upload's ETag. */
export async function md5OfFile(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Yields the files under `root` as `/`-separated relative paths, skipping Winnow's state folder and symlinked folders. */
export async function* walkFiles(root: string, relative = ''): AsyncGenerator<string> {
  let dir;
  try {
    dir = await opendir(path.join(root, relative));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for await (const entry of dir) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (!relative && entry.name === STATE_DIR) continue;
    if (entry.isDirectory()) yield* walkFiles(root, child);
    else if (entry.isFile()) yield child;
    else if (entry.isSymbolicLink()) {
      const target = await stat(path.join(root, child)).catch(() => undefined);
      if (target?.isFile()) yield child;
    }
  }
}
