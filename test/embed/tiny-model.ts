import { writeFile } from 'node:fs/promises';
import { onnx } from 'onnx-proto';
import type { ModelConfig } from '../../src/embed/model-config';

/**
 * A tiny image model built with onnx-proto at test time: Conv(3→8, 4×4, stride 4) → Relu on a 16×16 NCHW input,
 * giving [N, 8, 4, 4] features that the config pools with `gap` into 8-d vectors. Weights come from a fixed LCG.
 */
export function tinyModelBytes(): Uint8Array {
  const weights = new Float32Array(8 * 3 * 4 * 4);
  let x = 42;
  for (let i = 0; i < weights.length; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    weights[i] = (x / 2 ** 32 - 0.5) * 0.5;
  }
  const bias = Float32Array.from({ length: 8 }, (_, i) => 0.05 * i);
  const T = onnx.TensorProto.DataType;
  const A = onnx.AttributeProto.AttributeType;
  const valueInfo = (name: string, dims: Array<number | string>): onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType: T.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'winnow-test',
    graph: {
      name: 'tiny',
      node: [
        {
          opType: 'Conv',
          input: ['pixels', 'W', 'B'],
          output: ['conv'],
          name: 'conv',
          attribute: [
            { name: 'kernel_shape', type: A.INTS, ints: [4, 4] },
            { name: 'strides', type: A.INTS, ints: [4, 4] },
          ],
        },
        { opType: 'Relu', input: ['conv'], output: ['features'], name: 'relu' },
      ],
      initializer: [
        { name: 'W', dims: [8, 3, 4, 4], dataType: T.FLOAT, rawData: new Uint8Array(weights.buffer) },
        { name: 'B', dims: [8], dataType: T.FLOAT, rawData: new Uint8Array(bias.buffer) },
      ],
      input: [valueInfo('pixels', ['N', 3, 16, 16])],
      output: [valueInfo('features', ['N', 8, 4, 4])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export const TINY_CONFIG: ModelConfig = {
  id: 'tiny-conv',
  inputName: 'pixels',
  outputName: 'features',
  size: 16,
  layout: 'NCHW',
  scale: 1 / 255,
  mean: [0.5, 0.5, 0.5],
  std: [0.25, 0.25, 0.25],
  pooling: 'gap',
};

export async function writeTinyModel(file: string, configFile?: string): Promise<void> {
  await writeFile(file, tinyModelBytes());
  if (configFile) await writeFile(configFile, JSON.stringify(TINY_CONFIG, null, 2));
}
