import { InvalidConfigError } from '../../errors';
import { loadOrtNode, openNodeRunner } from './node/node-runner';
import { openWasmRunner } from './wasm/wasm-runner';

/**
 * The port between the embed step and an ONNX Runtime build. The engine only needs "load a model, run one float
 * tensor, read one float tensor", so vendor types (onnxruntime-node, onnxruntime-web) stay inside the adapters and
 * both backends are interchangeable.
 */
export interface ModelRunner {
  /** `node` is the native onnxruntime-node binding; `wasm` is onnxruntime-web's WebAssembly build. */
  readonly backend: OrtBackend;
  /** The execution provider actually in use (`cpu`, `cuda` or `wasm`). */
  readonly executionProvider: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(input: { name: string; data: Float32Array; dims: number[] }, outputName: string): Promise<RunnerOutput>;
  close(): Promise<void>;
}

export interface RunnerOutput {
  data: Float32Array;
  dims: number[];
}

export type OrtBackend = 'node' | 'wasm';

export interface RunnerOptions {
  /**
   * `auto` (default) uses the native binding and falls back to WASM with a warning when it cannot load (e.g. musl
   * images). The environment variable `WINNOW_ORT_BACKEND=node|wasm` overrides `auto`.
   */
  backend?: 'auto' | OrtBackend;
  /** `cuda` is tried first and falls back to CPU with a warning when the CUDA provider is not available. */
  executionProvider?: 'cpu' | 'cuda';
  /** Threads for one inference; by default ONNX Runtime's own choice (all cores) for node, 1 for wasm. */
  threads?: number;
  onWarning?: (message: string) => void;
}

/** The structural slice of `onnxruntime-common` both backends export; declared here so each adapter stays small. */
export interface OrtModule {
  InferenceSession: { create(model: string | Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}

/** Wraps an onnxruntime-common session (node or web) as a ModelRunner. */
export async function openOrtSession(
  ort: OrtModule,
  model: string | Uint8Array,
  sessionOptions: Record<string, unknown>,
  describe: { backend: OrtBackend; executionProvider: string },
): Promise<ModelRunner> {
  const session = await ort.InferenceSession.create(model, sessionOptions);
  return {
    ...describe,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(input, outputName) {
      const feeds = { [input.name]: new ort.Tensor('float32', input.data, input.dims) };
      const result = await session.run(feeds, [outputName]);
      const out = result[outputName];
      if (!out || out.type !== 'float32') {
        throw new InvalidConfigError(`model output ${outputName} is ${out ? out.type : 'missing'}, expected float32`);
      }
      return { data: out.data as Float32Array, dims: [...out.dims] };
    },
    close: () => session.release(),
  };
}

function warn(options: RunnerOptions, message: string): void {
  if (options.onWarning) options.onWarning(message);
  else process.emitWarning(message, { code: 'WINNOW_EMBED' });
}

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
    warn(
      options,
      `onnxruntime-node could not load (${(error as Error).message.split('\n')[0]}); using onnxruntime-web (WASM), which gives the same embeddings more slowly`,
    );
    return loaders.wasm(model, options);
  }
  return loaders.node(model, options);
}

export { warn as warnRunner };
