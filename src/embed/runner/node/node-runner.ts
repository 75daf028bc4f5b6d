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
 * Intra-op threads when none are asked for: all cores but one. onnxruntime-node runs a batch on the main thread while
 * sharp decodes the next ones on libuv's threads, so the spare core decodes instead of being fought over: a pool
 * thread descheduled by a decode stalls every parallel step of the model. On 2 cores (bench/embed, 1,000 real images,
 * --compare-threads) one thread cost efficientnet-lite0 22 % less CPU per image end to end (25.6 against 32.6 ms) and
 * gave 1.2× its images/s; the old default ran as fast either way. Decoding alone (6.5 ms of CPU even for a 64×64 PNG
 * resized to 224², more for photos) keeps the other core busy; the model itself gains only 1.2× from a second thread.
 */
export function defaultIntraOpThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
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
