import { InvalidConfigError } from '../../errors';

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
  /**
   * Several outputs of one inference (a detector's boxes, scores and classes). Integer and boolean outputs are
   * converted to float32, so class indices read like any other number.
   */
  runOutputs(input: { name: string; data: Float32Array; dims: number[] }, outputNames: readonly string[]): Promise<Record<string, RunnerOutput>>;
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
  /** Threads for one inference; by default one per core for node (see defaultIntraOpThreads), 1 for wasm. */
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
    async runOutputs(input, outputNames) {
      const feeds = { [input.name]: new ort.Tensor('float32', input.data, input.dims) };
      const result = await session.run(feeds, outputNames);
      const outputs: Record<string, RunnerOutput> = {};
      for (const name of outputNames) {
        const out = result[name];
        if (!out || !NUMERIC_TENSOR_TYPES.has(out.type)) {
          throw new InvalidConfigError(`model output ${name} is ${out ? out.type : 'missing'}, expected a numeric tensor`);
        }
        const data = out.data as Float32Array | ArrayLike<number | bigint>;
        outputs[name] = {
          data: data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number | bigint>, (v) => Number(v)),
          dims: [...out.dims],
        };
      }
      return outputs;
    },
    close: () => session.release(),
  };
}

const NUMERIC_TENSOR_TYPES = new Set(['float32', 'float64', 'int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32', 'bool']);

/** A runner's warning: to `onWarning`, else a process warning. */
export function warnRunner(options: RunnerOptions, message: string): void {
  if (options.onWarning) options.onWarning(message);
  else process.emitWarning(message, { code: 'WINNOW_EMBED' });
}

