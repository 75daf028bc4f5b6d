import { SingleBar } from 'cli-progress';
import type { Progress } from '../progress';

export interface ProgressBar {
  update(progress: Progress): void;
  stop(): void;
}

/**
 * One progress bar on stderr for a long step (stdout stays clean for summaries and `--json`).
 * Off a terminal (CI, pipes) it prints a plain line at most every 2 s instead of redrawing.
 */
export function createProgressBar(label: string, unit = 'images'): ProgressBar {
  if (!process.stderr.isTTY) {
    let last = 0;
    return {
      update(p) {
        const now = Date.now();
        if (now - last < 2000 && p.done !== p.total) return;
        last = now;
        const of = p.total !== undefined ? `/${p.total}` : '';
        const rate = p.rate !== undefined ? ` ${p.rate.toFixed(1)} ${unit}/s` : '';
        process.stderr.write(`${label}: ${p.done}${of}${rate}\n`);
      },
      stop() {},
    };
  }
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label.padEnd(9)} [{bar}] {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: false,
  });
  let started = false;
  return {
    update(p) {
      const total = p.total ?? Math.max(p.done, 1);
      const payload = { rate: (p.rate ?? 0).toFixed(1) };
      if (!started) {
        bar.start(total, p.done, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(p.done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
