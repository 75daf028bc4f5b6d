// C0 and C1 control characters and DEL. ESC (U+001B) starts escape sequences that move the cursor, erase lines and
// change colours; CR returns to the start of the line; both let a name rewrite what is printed around it.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

const escape = (c: string) => {
  const code = c.charCodeAt(0);
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  if (c === '\n') return '\\n';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * Text as the CLI may print it: every control character shown as an escape (`\x1b`, `\r`, `\n`), so a name from the
 * store, a file or a server can never move the cursor, erase a line or change colours. `multiline` keeps line feeds
 * (error messages and reports span lines); names never keep them.
 *
 * @example escapeForTerminal('x\u001b[2K\rADMIN') // → 'x\\x1b[2K\\rADMIN'
 */
export function escapeForTerminal(text: string, options: { multiline?: boolean } = {}): string {
  return text.replace(options.multiline ? CONTROL_BUT_NEWLINE : CONTROL, escape);
}
