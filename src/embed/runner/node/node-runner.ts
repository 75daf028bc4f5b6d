import { createRequire } from 'node:module';
import { openOrtSession, warnRunner, type ModelRunner, type OrtModule, type RunnerOptions } from '../model-runner';

/**
 * Loaded on first use, not at import, because on hosts without a usable native binding (musl, missing glibc) the
 * require itself throws and the WASM fallback must still be reachable.
 */
export function loadOrtNode(): OrtModule {
  return createRequire(__filename)('onnxruntime-node') as OrtModule;
}

/** onnxruntime-node: the native CPU build that ships inside the npm package, plus CUDA when installed and asked for. */
export async function openNodeRunner(model: string | Uint8Array, options: RunnerOptions): Promise<ModelRunner> {
  const sessionOptions: Record<string, unknown> = { graphOptimizationLevel: 'all' };
  if (options.threads !== undefined) sessionOptions.intraOpNumThreads = options.threads;
  const module = loadOrtNode();
  if (options.executionProvider === 'cuda') {
    try {
      return await openOrtSession(
        module,
        model,
        { ...sessionOptions, executionProviders: ['cuda', 'cpu'] },
        { backend: 'node', executionProvider: 'cuda' },
      );
    } catch (error) {
      // The CUDA provider is a separate download (ONNXRUNTIME_NODE_INSTALL_CUDA); without it, CPU still works.
      warnRunner(options, `CUDA execution provider unavailable (${(error as Error).message.split('\n')[0]}); using CPU`);
    }
  }
  return openOrtSession(
    module,
    model,
    { ...sessionOptions, executionProviders: ['cpu'] },
    { backend: 'node', executionProvider: 'cpu' },
  );
}
