import { InvalidConfigError } from '../../errors';
import { loadOrtNode, openNodeRunner } from './node/node-runner';
import { warnRunner, type ModelRunner, type OrtBackend, type RunnerOptions } from './ort-session';
import { openWasmRunner } from './wasm/wasm-runner';

// The port and the session wrapper live in ./ort-session, which the backends import (no cycle through this file).
export type { ModelRunner, OrtBackend, OrtModule, RunnerOptions, RunnerOutput } from './ort-session';

function requestedBackend(options: RunnerOptions): 'auto' | OrtBackend {
  const fromEnv = process.env.WINNOW_ORT_BACKEND;
  const chosen = options.backend && options.backend !== 'auto' ? options.backend : (fromEnv ?? options.backend ?? 'auto');
  if (chosen !== 'auto' && chosen !== 'node' && chosen !== 'wasm') {
    throw new InvalidConfigError(`WINNOW_ORT_BACKEND must be node, wasm or auto, not ${JSON.stringify(chosen)}`);
  }
  return chosen;
}

/** How each backend is loaded; a parameter so tests can stand in a binding that fails to load. */
export interface BackendLoaders {
  node: (model: string | Uint8Array, options: RunnerOptions) => Promise<ModelRunner>;
  wasm: (model: string | Uint8Array, options: RunnerOptions) => Promise<ModelRunner>;
  /** Loads the native module alone, so a load failure is told apart from a bad model. */
  probeNode: () => Promise<unknown>;
}

const defaultLoaders: BackendLoaders = {
  node: openNodeRunner,
  wasm: openWasmRunner,
  probeNode: async () => loadOrtNode(),
};

/**
 * Opens a model on the best available ONNX Runtime: native first, WASM when the native binding cannot load.
 *
 * @example
 * const runner = await createModelRunner('/models/tiny.onnx');
 * runner.backend; // 'node'
 * await runner.run({ name: 'input', data, dims: [2, 3, 32, 32] }, 'embedding'); // { data: Float32Array(32), dims: [2, 16] }
 */
export async function createModelRunner(
  model: string | Uint8Array,
  options: RunnerOptions = {},
  loaders: BackendLoaders = defaultLoaders,
): Promise<ModelRunner> {
  const backend = requestedBackend(options);
  if (backend === 'wasm') return loaders.wasm(model, options);
  if (backend === 'node') return loaders.node(model, options);
  try {
    await loaders.probeNode();
  } catch (error) {
    warnRunner(
      options,
      `onnxruntime-node could not load (${(error as Error).message.split('\n')[0]}); using onnxruntime-web (WASM), which gives the same embeddings more slowly`,
    );
    return loaders.wasm(model, options);
  }
  return loaders.node(model, options);
}

