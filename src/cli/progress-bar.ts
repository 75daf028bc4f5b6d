import { SingleBar } from 'cli-progress';
import type { Progress } from '../progress';

export interface ProgressBar {
  update(progress: Progress): void;
  stop(): void;
}

// Off a terminal (CI, log files) a line every few seconds and one at the end when the total is known.
const LOG_INTERVAL_MS = 5_000;

/**
 * The one progress display of every command, on stderr (stdout stays clean for summaries and `--json`):
 * a bar with rate and ETA on a terminal when the total is known, a live counter line when it is not (a streamed
 * S3 listing), and a plain line every few seconds off a terminal.
 */
export function createProgressBar(label: string, unit = 'images'): ProgressBar {
  const describe = (p: Progress) =>
    `${label}: ${p.done}${p.total !== undefined ? `/${p.total}` : ''} ${unit}${p.rate !== undefined ? ` (${p.rate.toFixed(1)}/s)` : ''}`;
  if (!process.stderr.isTTY) {
    let last = Date.now();
    return {
      update(p) {
        const now = Date.now();
        const finished = p.total !== undefined && p.done === p.total;
        if (now - last < LOG_INTERVAL_MS && !finished) return;
        last = now;
        process.stderr.write(`${describe(p)}\n`);
      },
      stop() {},
    };
  }
  let bar: SingleBar | undefined;
  let counterDrawn = false;
  return {
    update(p) {
      if (p.total === undefined) {
        process.stderr.write(`\r${describe(p)}\x1b[K`);
        counterDrawn = true;
        return;
      }
      const payload = { rate: (p.rate ?? 0).toFixed(1) };
      if (!bar) {
        bar = new SingleBar({
          stream: process.stderr,
          format: `${label.padEnd(9)} [{bar}] {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
          barsize: 30,
          hideCursor: true,
        });
        bar.start(p.total, p.done, payload);
      } else {
        bar.setTotal(p.total);
        bar.update(p.done, payload);
      }
    },
    stop() {
      bar?.stop();
      if (counterDrawn) process.stderr.write('\r\x1b[K');
    },
  };
}
