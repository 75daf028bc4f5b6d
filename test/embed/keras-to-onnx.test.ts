import { describe, expect, it } from 'vitest';
import { convertKerasModel, decodeWeights, type KerasLayer, type KerasModelJson } from '../../src/embed/keras-to-onnx';
import { createModelRunner } from '../../src/embed/runner/model-runner';

/**
 * Checks the layer mapping against a plain NHWC reference implementation of the Keras layers, on a small model that
 * uses every layer type MobileNetV2 has (plus Dense), with spatial sizes > 1 so any axis mix-up shows.
 */

type Tensor = { h: number; w: number; c: number; v: Float64Array };
const at = (t: Tensor, y: number, x: number, c: number) => t.v[(y * t.w + x) * t.c + c];
const tensor = (h: number, w: number, c: number): Tensor => ({ h, w, c, v: new Float64Array(h * w * c) });

function pad(t: Tensor, [[top, bottom], [left, right]]: number[][]): Tensor {
  const o = tensor(t.h + top + bottom, t.w + left + right, t.c);
  for (let y = 0; y < t.h; y++)
    for (let x = 0; x < t.w; x++) for (let c = 0; c < t.c; c++) o.v[((y + top) * o.w + x + left) * o.c + c] = at(t, y, x, c);
  return o;
}

function conv(t: Tensor, k: Float32Array, [kh, kw, cin, cout]: number[], stride: number, same: boolean, bias?: Float32Array, depthwise = false): Tensor {
  const p = same ? pad(t, [[(kh - 1) >> 1, kh >> 1], [(kw - 1) >> 1, kw >> 1]]) : t;
  const oc = depthwise ? cin * cout : cout;
  const o = tensor(Math.floor((p.h - kh) / stride) + 1, Math.floor((p.w - kw) / stride) + 1, oc);
  for (let y = 0; y < o.h; y++)
    for (let x = 0; x < o.w; x++)
      for (let co = 0; co < oc; co++) {
        let s = bias ? bias[co] : 0;
        for (let dy = 0; dy < kh; dy++)
          for (let dx = 0; dx < kw; dx++) {
            if (depthwise) {
              const ci = Math.floor(co / cout);
              const m = co % cout;
              s += at(p, y * stride + dy, x * stride + dx, ci) * k[((dy * kw + dx) * cin + ci) * cout + m];
            } else {
              for (let ci = 0; ci < cin; ci++) s += at(p, y * stride + dy, x * stride + dx, ci) * k[((dy * kw + dx) * cin + ci) * cout + co];
            }
          }
        o.v[(y * o.w + x) * oc + co] = s;
      }
  return o;
}

function map(t: Tensor, f: (v: number, c: number) => number): Tensor {
  const o = tensor(t.h, t.w, t.c);
  for (let i = 0; i < t.v.length; i++) o.v[i] = f(t.v[i], i % t.c);
  return o;
}

let seed = 7;
function random(n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return (seed / 2 ** 32 - 0.5) * 2 * scale;
  });
}

function layer(name: string, className: string, config: Record<string, unknown>, inputs: string[]): KerasLayer {
  return { name, class_name: className, config: { name, ...config }, inbound_nodes: inputs.length ? [inputs.map((i) => [i, 0, 0, {}])] : [] };
}

describe('convertKerasModel', () => {
  // Weights: some float32, some uint8-quantized (value = q * scale + min), as TF.js manifests mix them.
  const specs: Array<{ name: string; shape: number[]; quantized?: boolean }> = [
    { name: 'conv/kernel', shape: [3, 3, 3, 4], quantized: true },
    { name: 'bn/gamma', shape: [4] },
    { name: 'bn/beta', shape: [4] },
    { name: 'bn/moving_mean', shape: [4] },
    { name: 'bn/moving_variance', shape: [4] },
    { name: 'dw/depthwise_kernel', shape: [3, 3, 4, 2] },
    { name: 'dw/bias', shape: [8] },
    { name: 'project/kernel', shape: [1, 1, 8, 4], quantized: true },
    { name: 'project/bias', shape: [4] },
    { name: 'dense/kernel', shape: [16, 3] },
    { name: 'dense/bias', shape: [3] },
  ];
  const values = new Map<string, Float32Array>();
  const chunks: Uint8Array[] = [];
  const manifest: KerasModelJson['weightsManifest'][0]['weights'] = [];
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.quantized) {
      const q = Uint8Array.from(random(n), (v) => Math.round((v + 1) * 127));
      const quantization = { min: -0.5, scale: 0.004, dtype: 'uint8' };
      values.set(spec.name, Float32Array.from(q, (x) => x * quantization.scale + quantization.min));
      chunks.push(q);
      manifest.push({ name: spec.name, shape: spec.shape, dtype: 'float32', quantization });
    } else {
      const v = spec.name.endsWith('variance') ? random(n).map((x) => Math.abs(x) + 0.5) : random(n, 0.5);
      values.set(spec.name, v);
      chunks.push(new Uint8Array(v.buffer));
      manifest.push({ name: spec.name, shape: spec.shape, dtype: 'float32' });
    }
  }
  const data = Buffer.concat(chunks);
  const json: KerasModelJson = {
    modelTopology: {
      model_config: {
        class_name: 'Model',
        config: {
          layers: [
            layer('input', 'InputLayer', { batch_input_shape: [null, 8, 8, 3] }, []),
            layer('pad', 'ZeroPadding2D', { padding: [[0, 1], [0, 1]] }, ['input']),
            layer('conv', 'Conv2D', { strides: [2, 2], padding: 'valid', dilation_rate: [1, 1], activation: 'linear', use_bias: false }, ['pad']),
            layer('bn', 'BatchNormalization', { axis: -1, epsilon: 0.001, center: true, scale: true }, ['conv']),
            layer('relu', 'ReLU', { max_value: 6, negative_slope: 0, threshold: 0 }, ['bn']),
            layer('dw', 'DepthwiseConv2D', { strides: [1, 1], padding: 'same', dilation_rate: [1, 1], activation: 'linear', use_bias: true }, ['relu']),
            layer('project', 'Conv2D', { strides: [1, 1], padding: 'same', dilation_rate: [1, 1], activation: 'linear', use_bias: true }, ['dw']),
            layer('add', 'Add', {}, ['relu', 'project']),
            layer('pool', 'AveragePooling2D', { pool_size: [2, 2], strides: [2, 2], padding: 'valid' }, ['add']),
            layer('flatten', 'Flatten', { data_format: 'channels_last' }, ['pool']),
            layer('drop', 'Dropout', { rate: 0.5 }, ['flatten']),
            layer('dense', 'Dense', { activation: 'relu', use_bias: true }, ['drop']),
            layer('unused_head', 'Dense', { activation: 'softmax', use_bias: true }, ['dense']),
          ],
        },
      },
    },
    weightsManifest: [{ weights: manifest }],
  };

  function reference(input: Float32Array): number[] {
    const w = (name: string) => values.get(name) as Float32Array;
    let t: Tensor = { h: 8, w: 8, c: 3, v: Float64Array.from(input) };
    t = pad(t, [[0, 1], [0, 1]]);
    t = conv(t, w('conv/kernel'), [3, 3, 3, 4], 2, false);
    t = map(t, (v, c) => ((v - w('bn/moving_mean')[c]) / Math.sqrt(w('bn/moving_variance')[c] + 0.001)) * w('bn/gamma')[c] + w('bn/beta')[c]);
    const relu = map(t, (v) => Math.min(Math.max(v, 0), 6));
    t = conv(relu, w('dw/depthwise_kernel'), [3, 3, 4, 2], 1, true, w('dw/bias'), true);
    t = conv(t, w('project/kernel'), [1, 1, 8, 4], 1, true, w('project/bias'));
    t = { ...t, v: t.v.map((v, i) => v + relu.v[i]) };
    const pooled = tensor(2, 2, 4);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 2; x++)
        for (let c = 0; c < 4; c++) {
          let s = 0;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) s += at(t, 2 * y + dy, 2 * x + dx, c);
          pooled.v[(y * 2 + x) * 4 + c] = s / 4;
        }
    const flat = Array.from(pooled.v); // channels-last order
    const k = w('dense/kernel');
    return [0, 1, 2].map((j) => Math.max(0, flat.reduce((s, v, i) => s + v * k[i * 3 + j], w('dense/bias')[j])));
  }

  it('decodes quantized and float weights in manifest order', () => {
    const decoded = decodeWeights(json.weightsManifest, data);
    for (const spec of specs) expect(Array.from(decoded.get(spec.name)?.values ?? [])).toEqual(Array.from(values.get(spec.name) ?? []));
    expect(() => decodeWeights(json.weightsManifest, data.subarray(1))).toThrow(/manifest describes/);
  });

  it('matches a reference NHWC implementation of the Keras layers, and prunes layers after the output', async () => {
    const bytes = convertKerasModel(json, data, { outputLayer: 'dense', inputName: 'x', outputName: 'y', producerName: 'test' });
    const runner = await createModelRunner(bytes, { backend: 'node' });
    try {
      const inputs = [random(8 * 8 * 3, 3), random(8 * 8 * 3, 3)];
      const batch = new Float32Array(2 * 192);
      batch.set(inputs[0]);
      batch.set(inputs[1], 192);
      const out = await runner.run({ name: 'x', data: batch, dims: [2, 8, 8, 3] }, 'y');
      expect(out.dims).toEqual([2, 3]);
      expect(runner.outputNames).toEqual(['y']);
      for (let n = 0; n < 2; n++) {
        const expected = reference(inputs[n]);
        expect(expected.some((v) => v > 0)).toBe(true);
        for (let j = 0; j < 3; j++) expect(out.data[n * 3 + j]).toBeCloseTo(expected[j], 4);
      }
    } finally {
      await runner.close();
    }
  });

  it('refuses layer types it does not know', () => {
    const bad = structuredClone(json);
    bad.modelTopology.model_config.config.layers.splice(2, 0, layer('lstm', 'LSTM', {}, ['pad']));
    bad.modelTopology.model_config.config.layers[3].inbound_nodes = [[['lstm', 0, 0, {}]]];
    expect(() => convertKerasModel(bad, data, { outputLayer: 'dense', inputName: 'x', outputName: 'y', producerName: 't' })).toThrow(
      /Keras layer type LSTM unsupported/,
    );
  });
});
