import type Sharp from 'sharp';

/**
 * sharp is a native module: it is loaded on the first image operation rather than on import, so syncing, listing and
 * datasource checks keep working on hosts where it cannot load (the n8n nodes rely on this).
 */
export function loadSharp(): typeof Sharp {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, typed through the import above
  return require('sharp') as typeof Sharp;
}
