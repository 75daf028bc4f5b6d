import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { measureImage, type ImageMeasures, type MeasureInput } from './measures';

/**
 * Measures images for dataset health on a worker thread while the caller's thread runs the model.
 *
 * onnxruntime-node runs a session synchronously on the JavaScript thread, so anything else that thread does (here
 * ~1.9 ms of pixel loops per image against ~17 ms of EfficientNet-Lite0) waits for the model and adds to every batch.
 * On a worker the loops run on another core during inference: `bench/embed` measured end to end against
 * inference-only at 0.75 with the measures in-thread. Under the TypeScript sources (tests) there is no compiled worker
 * file and it measures in-thread, with the same results.
 */
export interface Measurer {
  measure(input: MeasureInput): Promise<ImageMeasures>;
  close(): Promise<void>;
}

/** What the worker answers for request `id`. */
export type MeasureReply = { id: number; measures: ImageMeasures } | { id: number; error: string };

// The compiled worker entry beside this file.
const WORKER_FILE = path.join(__dirname, 'measure-worker.js');

/**
 * @example
 * const measurer = openMeasurer();
 * try { const m = await measurer.measure({ fileName: 'a.png', bytes, rgb, rgbWidth: 224, rgbHeight: 224, width: 64, height: 64 }); }
 * finally { await measurer.close(); }
 */
export function openMeasurer(): Measurer {
  if (!__filename.endsWith('.js') || !existsSync(WORKER_FILE)) {
    return { measure: async (input) => measureImage(input), close: async () => undefined };
  }
  const worker = new Worker(WORKER_FILE);
  // An idle measurer must not keep a CLI run alive; pending requests keep it referenced (see below).
  worker.unref();
  const pending = new Map<number, { resolve(m: ImageMeasures): void; reject(e: Error): void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('message', (reply: MeasureReply) => {
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if ('error' in reply) p.reject(new Error(reply.error));
    else p.resolve(reply.measures);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the measuring worker stopped (exit code ${code})`)));
  return {
    measure(input) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<ImageMeasures>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        // Copies the size of their contents, handed over: the caller keeps its rgb (it goes on to the model), and a
        // small Buffer may be a view of a shared pool that a plain clone would copy whole.
        const rgb = new Uint8Array(input.rgb);
        const bytes = new Uint8Array(input.bytes);
        worker.postMessage({ id, input: { ...input, rgb, bytes } }, [rgb.buffer, bytes.buffer]);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
