import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { openOrtSession, warnRunner, type ModelRunner, type OrtModule, type RunnerOptions } from '../ort-session';

/**
 * Loaded on first use, not at import, because on hosts without a usable native binding (musl, missing glibc) the
 * require itself throws and the WASM fallback must still be reachable.
 */
export function loadOrtNode(): OrtModule {
  return createRequire(__filename)('onnxruntime-node') as OrtModule;
}

/**
 * Whether the CUDA provider library sits next to the native binding. It is a separate download
 * (`ONNXRUNTIME_NODE_INSTALL=cuda12`); checking first avoids ONNX Runtime printing a load error on every CPU host.
 */
function cudaProviderInstalled(): boolean {
  try {
    const pkg = path.dirname(createRequire(__filename).resolve('onnxruntime-node/package.json'));
    const dir = path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
    return readdirSync(dir).some((f) => f.includes('providers_cuda'));
  } catch {
    return false;
  }
}

/**
 * Intra-op threads when none are asked for: one per core. onnxruntime-node runs a batch synchronously on the
 * JavaScript thread, so while the model runs sharp's decodes can only finish the step they are in (each needs the
 * thread again to go on); a model on one thread leaves the other core idle much of the time. bench/embed on 2 quiet
 * cores, 1,000 real images, same run: efficientnet-lite0 69.1 images/s end to end at two threads against 49.7 at one
 * (1.39×; an earlier run 67.6 against 46.0), nsfwjs-mobilenet_v2 1.36×, at about the same CPU per image. Runs beside
 * other heavy work measured one thread ahead (1.2×): pass `threads` where cores are shared.
 */
export function defaultIntraOpThreads(): number {
  return Math.max(1, os.availableParallelism());
}

/** onnxruntime-node: the native CPU build that ships inside the npm package, plus CUDA when installed and asked for. */
export async function openNodeRunner(model: string | Uint8Array, options: RunnerOptions): Promise<ModelRunner> {
  const sessionOptions: Record<string, unknown> = {
    graphOptimizationLevel: 'all',
    // Idle intra-op threads sleep instead of spin-waiting: spinning burns the cores sharp decodes on, and in the
    // pipeline that cost more end-to-end throughput (8 vs 9–14 images/s on 2 cores) than it saves in latency.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  sessionOptions.intraOpNumThreads = options.threads ?? defaultIntraOpThreads();
  const module = loadOrtNode();
  if (options.executionProvider === 'cuda') {
    if (!cudaProviderInstalled()) {
      // Winnow's allowScripts denies onnxruntime-node's install script (it downloads from NuGet): the hint approves it.
      warnRunner(
        options,
        'CUDA execution provider not installed (onnxruntime-node downloads it separately; on a host with CUDA 12 run ' +
          '`npm install-scripts approve onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`); using CPU',
      );
    } else {
      try {
        return await openOrtSession(
          module,
          model,
          { ...sessionOptions, executionProviders: ['cuda', 'cpu'] },
          { backend: 'node', executionProvider: 'cuda' },
        );
      } catch (error) {
        // Installed but unusable (no GPU, driver mismatch): CPU still works.
        warnRunner(options, `CUDA execution provider unavailable (${(error as Error).message.split('\n')[0]}); using CPU`);
      }
    }
  }
  return openOrtSession(
    module,
    model,
    { ...sessionOptions, executionProviders: ['cpu'] },
    { backend: 'node', executionProvider: 'cpu' },
  );
}
