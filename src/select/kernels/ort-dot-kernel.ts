import { availableParallelism } from 'node:os';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { DotKernel } from './dot-kernel-port';

/**
 * onnxruntime as the BLAS: three tiny generated graphs (Gemm for matrix × vector, Gemm + ReduceMax/ArgMax for the
 * nearest of several vectors, MatMul for the random projection) run by MLAS on every core. Inputs are Tensor views
 * on the caller's Float32Array, so the matrix is never copied.
 */

/** Keeps the `rows × queries` intermediate of maxDot at 64 MB. */
const MAX_DOT_CHUNK_VALUES = 1 << 24;
/** Rows per projection call: large enough to amortise the call, small enough that the output chunk stays a few MB. */
const PROJECT_CHUNK_ROWS = 1 << 15;

export class OrtDotKernel implements DotKernel {
  readonly name = 'onnxruntime' as const;
  private matVecOut: ort.Tensor | undefined;

  private constructor(
    private readonly matVecSession: ort.InferenceSession,
    private readonly maxDotSession: ort.InferenceSession,
    private readonly projectSession: ort.InferenceSession,
    private readonly sumSquaresSession: ort.InferenceSession,
  ) {}

  static async create(threads = availableParallelism()): Promise<OrtDotKernel> {
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      // No arena: it would keep each session's largest intermediate (64 MB chunks of rows × queries) for the kernel's
      // lifetime, on top of the matrix; these products are large enough that a fresh allocation per call costs nothing.
      enableCpuMemArena: false,
    };
    const [matVec, maxDot, project, sumSquares] = await Promise.all([
      ort.InferenceSession.create(matVecModel(), options),
      ort.InferenceSession.create(maxDotModel(), options),
      ort.InferenceSession.create(projectModel(), options),
      ort.InferenceSession.create(sumSquaresModel(), options),
    ]);
    return new OrtDotKernel(matVec, maxDot, project, sumSquares);
  }

  /**
   * The result is written into a buffer reused by the next call of the same size (the k-center loop consumes it
   * before asking again): a fresh N-float output per pick would pile up N × 4 bytes of garbage per pick.
   */
  async matVec(matrix: Float32Array, dim: number, start: number, end: number, vector: Float32Array): Promise<Float32Array> {
    const rows = end - start;
    if (rows === 0) return new Float32Array(0);
    if (this.matVecOut === undefined || this.matVecOut.data.length !== rows) {
      this.matVecOut = new ort.Tensor('float32', new Float32Array(rows), [1, rows]);
    }
    const out = await this.matVecSession.run(
      { C: new ort.Tensor('float32', vector.subarray(0, dim), [1, dim]), X: this.view(matrix, dim, start, end) },
      { Y: this.matVecOut },
    );
    return out.Y.data as Float32Array;
  }

  async maxDot(matrix: Float32Array, dim: number, start: number, end: number, queries: Float32Array, count: number) {
    const rows = end - start;
    const max = new Float32Array(rows);
    const argmax = new Int32Array(rows);
    const chunk = Math.max(1, Math.floor(MAX_DOT_CHUNK_VALUES / Math.max(count, 1)));
    const q = new ort.Tensor('float32', queries.subarray(0, count * dim), [count, dim]);
    for (let s = start; s < end; s += chunk) {
      const e = Math.min(end, s + chunk);
      const out = await this.maxDotSession.run({ X: this.view(matrix, dim, s, e), Q: q });
      max.set(out.M.data as Float32Array, s - start);
      argmax.set(out.I.data as Int32Array, s - start);
    }
    return { max, argmax };
  }

  async sumSquares(matrix: Float32Array, dim: number, start: number, end: number): Promise<Float32Array> {
    const out = new Float32Array(end - start);
    for (let s = start; s < end; s += PROJECT_CHUNK_ROWS) {
      const e = Math.min(end, s + PROJECT_CHUNK_ROWS);
      const result = await this.sumSquaresSession.run({ X: this.view(matrix, dim, s, e) });
      out.set(result.S.data as Float32Array, s - start);
    }
    return out;
  }

  async project(matrix: Float32Array, dim: number, start: number, end: number, projection: Float32Array, outDim: number) {
    const out = new Float32Array((end - start) * outDim);
    const r = new ort.Tensor('float32', projection, [dim, outDim]);
    for (let s = start; s < end; s += PROJECT_CHUNK_ROWS) {
      const e = Math.min(end, s + PROJECT_CHUNK_ROWS);
      const result = await this.projectSession.run({ X: this.view(matrix, dim, s, e), R: r });
      out.set(result.P.data as Float32Array, (s - start) * outDim);
    }
    return out;
  }

  async dispose(): Promise<void> {
    await Promise.all(
      [this.matVecSession, this.maxDotSession, this.projectSession, this.sumSquaresSession].map((s) => s.release()),
    );
  }

  private view(matrix: Float32Array, dim: number, start: number, end: number): ort.Tensor {
    return new ort.Tensor('float32', matrix.subarray(start * dim, end * dim), [end - start, dim]);
  }
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT32 = onnx.TensorProto.DataType.INT32;
const INT = onnx.AttributeProto.AttributeType.INT;
const INTS = onnx.AttributeProto.AttributeType.INTS;

function valueInfo(name: string, dims: (string | number)[], elemType: number = FLOAT): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

function encodeModel(graph: onnx.IGraphProto): Uint8Array {
  // Opset 13 keeps ReduceMax's axes an attribute (it became an input in 18), which every ORT build accepts.
  return onnx.ModelProto.encode({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }], producerName: 'winnow-select', graph }).finish();
}

function matVecModel(): Uint8Array {
  // C[1,d] · X[n,d]ᵀ: as a row vector times a transposed matrix, MLAS runs its GEMV path over contiguous rows.
  return encodeModel({
    name: 'mat_vec',
    node: [{ opType: 'Gemm', input: ['C', 'X'], output: ['Y'], attribute: [{ name: 'transB', i: 1, type: INT }] }],
    input: [valueInfo('C', [1, 'd']), valueInfo('X', ['n', 'd'])],
    output: [valueInfo('Y', [1, 'n'])],
  });
}

function maxDotModel(): Uint8Array {
  return encodeModel({
    name: 'max_dot',
    node: [
      { opType: 'Gemm', input: ['X', 'Q'], output: ['S'], attribute: [{ name: 'transB', i: 1, type: INT }] },
      { opType: 'ReduceMax', input: ['S'], output: ['M'], attribute: [{ name: 'axes', ints: [1], type: INTS }, { name: 'keepdims', i: 0, type: INT }] },
      { opType: 'ArgMax', input: ['S'], output: ['I64'], attribute: [{ name: 'axis', i: 1, type: INT }, { name: 'keepdims', i: 0, type: INT }] },
      // int32 out, so JS gets an Int32Array instead of converting a BigInt per row.
      { opType: 'Cast', input: ['I64'], output: ['I'], attribute: [{ name: 'to', i: INT32, type: INT }] },
    ],
    input: [valueInfo('X', ['n', 'd']), valueInfo('Q', ['m', 'd'])],
    output: [valueInfo('M', ['n']), valueInfo('I', ['n'], INT32)],
  });
}

function projectModel(): Uint8Array {
  return encodeModel({
    name: 'project',
    node: [{ opType: 'MatMul', input: ['X', 'R'], output: ['P'] }],
    input: [valueInfo('X', ['n', 'd']), valueInfo('R', ['d', 'p'])],
    output: [valueInfo('P', ['n', 'p'])],
  });
}

function sumSquaresModel(): Uint8Array {
  return encodeModel({
    name: 'sum_squares',
    node: [
      {
        opType: 'ReduceSumSquare',
        input: ['X'],
        output: ['S'],
        attribute: [{ name: 'axes', ints: [1], type: INTS }, { name: 'keepdims', i: 0, type: INT }],
      },
    ],
    input: [valueInfo('X', ['n', 'd'])],
    output: [valueInfo('S', ['n'])],
  });
}
