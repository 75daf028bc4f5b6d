import type { onnx } from 'onnx-proto';
import {
  encodeModel,
  floatAttr,
  floatTensor,
  floatValueInfo,
  int64Tensor,
  intAttr,
  intsAttr,
  node,
  scalarFloatTensor,
  stringAttr,
} from './onnx-graph';

/**
 * Converts a TF.js "layers" model (Keras 2 functional `model_config` plus a uint8-quantized weights manifest) into an
 * ONNX graph. It knows the eleven layer types MobileNetV2 uses; anything else is refused by name rather than guessed.
 */

/** The subset of the TF.js model.json that the converter reads; declared here so no TF.js types are needed. */
export interface KerasModelJson {
  modelTopology: { model_config: { class_name: string; config: { layers: KerasLayer[] } } };
  weightsManifest: Array<{ weights: WeightSpec[] }>;
}

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  /** Keras 2: `[[[inboundLayerName, nodeIndex, tensorIndex, kwargs], ...]]` — one call of the layer, several inputs. */
  inbound_nodes: Array<Array<[string, number, number, unknown]>>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min: number; scale: number; dtype: string };
}

export interface ConvertOptions {
  /** Name of the Keras layer whose output becomes the ONNX output. */
  outputLayer: string;
  /** ONNX names of the graph input and output. */
  inputName: string;
  outputName: string;
  producerName: string;
}

type Weights = Map<string, { shape: number[]; values: Float32Array }>;

/** Dequantizes the weights in manifest order, exactly as TF.js does: `value = q * scale + min`. */
export function decodeWeights(manifest: KerasModelJson['weightsManifest'], data: Uint8Array): Weights {
  const weights: Weights = new Map();
  let offset = 0;
  for (const group of manifest) {
    for (const spec of group.weights) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const q = spec.quantization;
      const values = new Float32Array(size);
      if (q && q.dtype === 'uint8') {
        for (let i = 0; i < size; i++) values[i] = data[offset + i] * q.scale + q.min;
        offset += size;
      } else if (!q && spec.dtype === 'float32') {
        const view = new DataView(data.buffer, data.byteOffset + offset, size * 4);
        for (let i = 0; i < size; i++) values[i] = view.getFloat32(i * 4, true);
        offset += size * 4;
      } else {
        throw new Error(`weight ${spec.name}: unsupported encoding ${q?.dtype ?? spec.dtype}`);
      }
      weights.set(spec.name, { shape: spec.shape, values });
    }
  }
  if (offset !== data.length) throw new Error(`weights: manifest describes ${offset} bytes, data has ${data.length}`);
  return weights;
}

/** Keras kernels are HWIO; ONNX Conv wants OIHW. */
function hwioToOihw(values: Float32Array, [h, w, i, o]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ci = 0; ci < i; ci++)
        for (let co = 0; co < o; co++) out[((co * i + ci) * h + y) * w + x] = values[((y * w + x) * i + ci) * o + co];
  return out;
}

/** Depthwise kernels are [H, W, C, M]; as a grouped ONNX Conv they are [C*M, 1, H, W] with output channel c*M + m. */
function depthwiseToOihw(values: Float32Array, [h, w, c, m]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ci = 0; ci < c; ci++)
        for (let mi = 0; mi < m; mi++) out[((ci * m + mi) * h + y) * w + x] = values[((y * w + x) * c + ci) * m + mi];
  return out;
}

/** Layers the output depends on, in model order, so unused heads (and their weights) stay out of the graph. */
function reachableLayers(layers: KerasLayer[], outputLayer: string): KerasLayer[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  if (!byName.has(outputLayer)) throw new Error(`layer ${outputLayer} not found`);
  const needed = new Set<string>();
  const stack = [outputLayer];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (needed.has(name)) continue;
    needed.add(name);
    for (const call of byName.get(name)?.inbound_nodes ?? []) for (const [inbound] of call) stack.push(inbound);
  }
  return layers.filter((l) => needed.has(l.name));
}

/**
 * Builds the ONNX model bytes. The graph takes NHWC float input (`[N, H, W, 3]`, like the Keras model) and transposes
 * to NCHW itself, so callers feed exactly what TF.js would.
 */
export function convertKerasModel(json: KerasModelJson, weightData: Uint8Array, options: ConvertOptions): Uint8Array {
  const weights = decodeWeights(json.weightsManifest, weightData);
  const layers = reachableLayers(json.modelTopology.model_config.config.layers, options.outputLayer);
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  // Keras layer name -> ONNX value name holding its output (NCHW from the input transpose on).
  const valueOf = new Map<string, string>();
  let inputShape: Array<number | string> = [];

  const weight = (name: string) => {
    const w = weights.get(name);
    if (!w) throw new Error(`weight ${name} missing`);
    return w;
  };
  const addInitializer = (name: string, dims: number[], values: Float32Array) => {
    initializers.push(floatTensor(name, dims, values));
    return name;
  };

  for (const layer of layers) {
    const cfg = layer.config;
    const inputs = (layer.inbound_nodes[0] ?? []).map(([inbound]) => {
      const v = valueOf.get(inbound);
      if (v === undefined) throw new Error(`layer ${layer.name}: input ${inbound} not converted`);
      return v;
    });
    const out = layer.name;
    const n = layer.name;
    switch (layer.class_name) {
      case 'InputLayer': {
        const shape = cfg.batch_input_shape as Array<number | null>;
        inputShape = ['N', ...shape.slice(1).map((d) => d ?? 'dim')];
        nodes.push(node('Transpose', [options.inputName], [out], n, [intsAttr('perm', [0, 3, 1, 2])]));
        break;
      }
      case 'ZeroPadding2D': {
        const [[top, bottom], [left, right]] = cfg.padding as number[][];
        const pads = addPads(initializers, `${n}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
        nodes.push(node('Pad', [inputs[0], pads], [out], n, [stringAttr('mode', 'constant')]));
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        const k = weight(depthwise ? `${n}/depthwise_kernel` : `${n}/kernel`);
        const [kh, kw, cin, cout] = k.shape;
        const w = depthwise ? depthwiseToOihw(k.values, k.shape) : hwioToOihw(k.values, k.shape);
        const wDims = depthwise ? [cin * cout, 1, kh, kw] : [cout, cin, kh, kw];
        const convInputs = [inputs[0], addInitializer(`${n}/W`, wDims, w)];
        if (cfg.use_bias) {
          const b = weight(`${n}/bias`);
          convInputs.push(addInitializer(`${n}/B`, b.shape, b.values));
        }
        const strides = cfg.strides as number[];
        const attrs = [
          intsAttr('dilations', cfg.dilation_rate as number[]),
          intsAttr('kernel_shape', [kh, kw]),
          intsAttr('strides', strides),
        ];
        if (depthwise) attrs.push(intAttr('group', cin));
        if (cfg.padding === 'same') {
          if (strides.every((s) => s === 1)) {
            // Stride 1 'same' padding does not depend on the input size: (k-1)/2 each side, the extra one at the end.
            attrs.push(intsAttr('pads', [(kh - 1) >> 1, (kw - 1) >> 1, kh >> 1, kw >> 1]));
          } else {
            attrs.push(stringAttr('auto_pad', 'SAME_UPPER'));
          }
        } else if (cfg.padding !== 'valid') {
          throw new Error(`layer ${n}: padding ${String(cfg.padding)} unsupported`);
        }
        const activation = cfg.activation as string;
        const convOut = activation === 'linear' ? out : `${n}/conv`;
        nodes.push(node('Conv', convInputs, [convOut], n, attrs));
        if (activation !== 'linear') pushActivation(nodes, activation, convOut, out, n);
        break;
      }
      case 'BatchNormalization': {
        if (cfg.axis !== -1 && cfg.axis !== 3) throw new Error(`layer ${n}: BatchNormalization axis ${String(cfg.axis)}`);
        const gamma = cfg.scale ? weight(`${n}/gamma`) : undefined;
        const beta = cfg.center ? weight(`${n}/beta`) : undefined;
        const mean = weight(`${n}/moving_mean`);
        const variance = weight(`${n}/moving_variance`);
        const c = mean.shape[0];
        nodes.push(
          node(
            'BatchNormalization',
            [
              inputs[0],
              addInitializer(`${n}/scale`, [c], gamma?.values ?? new Float32Array(c).fill(1)),
              addInitializer(`${n}/bias`, [c], beta?.values ?? new Float32Array(c)),
              addInitializer(`${n}/mean`, [c], mean.values),
              addInitializer(`${n}/var`, [c], variance.values),
            ],
            [out],
            n,
            [floatAttr('epsilon', cfg.epsilon as number)],
          ),
        );
        break;
      }
      case 'ReLU': {
        if ((cfg.negative_slope ?? 0) !== 0 || (cfg.threshold ?? 0) !== 0) throw new Error(`layer ${n}: leaky ReLU unsupported`);
        if (cfg.max_value === null || cfg.max_value === undefined) {
          nodes.push(node('Relu', [inputs[0]], [out], n));
        } else {
          initializers.push(scalarFloatTensor(`${n}/min`, 0), scalarFloatTensor(`${n}/max`, cfg.max_value as number));
          nodes.push(node('Clip', [inputs[0], `${n}/min`, `${n}/max`], [out], n));
        }
        break;
      }
      case 'Add':
        nodes.push(node('Add', inputs, [out], n));
        break;
      case 'AveragePooling2D':
        if (cfg.padding !== 'valid') throw new Error(`layer ${n}: padding ${String(cfg.padding)} unsupported`);
        nodes.push(
          node('AveragePool', [inputs[0]], [out], n, [
            intsAttr('kernel_shape', cfg.pool_size as number[]),
            intsAttr('strides', cfg.strides as number[]),
          ]),
        );
        break;
      case 'Flatten':
        // Keras flattens channels-last, so go back to NHWC before flattening to keep its element order.
        nodes.push(node('Transpose', [inputs[0]], [`${n}/nhwc`], `${n}/transpose`, [intsAttr('perm', [0, 2, 3, 1])]));
        nodes.push(node('Flatten', [`${n}/nhwc`], [out], n, [intAttr('axis', 1)]));
        break;
      case 'Dense': {
        const k = weight(`${n}/kernel`);
        const gemmInputs = [inputs[0], addInitializer(`${n}/W`, k.shape, k.values)];
        if (cfg.use_bias) {
          const b = weight(`${n}/bias`);
          gemmInputs.push(addInitializer(`${n}/B`, b.shape, b.values));
        }
        const activation = cfg.activation as string;
        const gemmOut = activation === 'linear' ? out : `${n}/gemm`;
        nodes.push(node('Gemm', gemmInputs, [gemmOut], n));
        if (activation !== 'linear') pushActivation(nodes, activation, gemmOut, out, n);
        break;
      }
      case 'Dropout':
        // Inference-time identity: alias the output to the input instead of emitting a node.
        valueOf.set(layer.name, inputs[0]);
        continue;
      default:
        throw new Error(`layer ${n}: Keras layer type ${layer.class_name} unsupported`);
    }
    valueOf.set(layer.name, out);
  }

  const last = valueOf.get(options.outputLayer) as string;
  nodes.push(node('Identity', [last], [options.outputName], 'output'));
  const graph: onnx.IGraphProto = {
    name: 'winnow_embedding',
    node: nodes,
    initializer: initializers,
    input: [floatValueInfo(options.inputName, inputShape)],
    output: [floatValueInfo(options.outputName, ['N', 'D'])],
  };
  return encodeModel(graph, options.producerName);
}

function addPads(initializers: onnx.ITensorProto[], name: string, pads: number[]): string {
  initializers.push(int64Tensor(name, pads));
  return name;
}

function pushActivation(nodes: onnx.INodeProto[], activation: string, input: string, output: string, name: string): void {
  const op = { relu: 'Relu', softmax: 'Softmax', sigmoid: 'Sigmoid', tanh: 'Tanh' }[activation];
  if (!op) throw new Error(`layer ${name}: activation ${activation} unsupported`);
  nodes.push(node(op, [input], [output], `${name}/${activation}`, op === 'Softmax' ? [intAttr('axis', -1)] : []));
}
