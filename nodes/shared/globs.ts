/** Splits a comma- or newline-separated list of globs from a text field. */
export function splitList(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
