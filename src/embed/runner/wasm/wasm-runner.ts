import { createRequire } from 'node:module';
import path from 'node:path';
import type * as OrtWeb from 'onnxruntime-web';
import { openOrtSession, warnRunner, type ModelRunner, type OrtModule, type RunnerOptions } from '../ort-session';

/**
 * onnxruntime-web's WebAssembly build, for hosts where the native binding cannot load. Its `.wasm` files are read
 * from the installed package, never fetched from a CDN.
 */
export async function openWasmRunner(model: string | Uint8Array, options: RunnerOptions): Promise<ModelRunner> {
  const load = createRequire(__filename);
  // Required lazily so hosts on the native backend never pay for loading the WASM build.
  const ort = load('onnxruntime-web') as typeof OrtWeb;
  const dist = path.dirname(load.resolve('onnxruntime-web'));
  ort.env.wasm.wasmPaths = `${dist}${path.sep}`;
  // One thread unless asked: the threaded build spawns workers per session, which costs more than it gains on small hosts.
  ort.env.wasm.numThreads = options.threads ?? 1;
  if (options.executionProvider === 'cuda') warnRunner(options, 'CUDA is not available with the WASM backend; using WASM on CPU');
  return openOrtSession(
    ort as unknown as OrtModule,
    model,
    { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
    { backend: 'wasm', executionProvider: 'wasm' },
  );
}
