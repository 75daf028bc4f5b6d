import { onnx } from 'onnx-proto';

/**
 * Small builders over onnx-proto's message types, so the converter reads as a list of layers rather than protobuf
 * plumbing. Everything here is deterministic: same arguments, same bytes.
 */

/** ONNX IR 8 with opset 13 is old enough for every ONNX Runtime build Winnow supports (node and web). */
export const IR_VERSION = 8;
export const OPSET_VERSION = 13;

export function floatTensor(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  // raw_data is little-endian by the ONNX spec, whatever the host's byte order.
  const raw = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) raw.writeFloatLE(values[i], i * 4);
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw };
}

export function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values };
}

export function scalarFloatTensor(name: string, value: number): onnx.ITensorProto {
  return { name, dims: [], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [value] };
}

const AttrType = onnx.AttributeProto.AttributeType;

export const intAttr = (name: string, i: number): onnx.IAttributeProto => ({ name, type: AttrType.INT, i });
export const intsAttr = (name: string, ints: number[]): onnx.IAttributeProto => ({ name, type: AttrType.INTS, ints });
export const floatAttr = (name: string, f: number): onnx.IAttributeProto => ({ name, type: AttrType.FLOAT, f });
export const stringAttr = (name: string, s: string): onnx.IAttributeProto => ({
  name,
  type: AttrType.STRING,
  s: Buffer.from(s, 'utf8'),
});

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attributes: onnx.IAttributeProto[] = [],
): onnx.INodeProto {
  return { opType, input: inputs, output: outputs, name, attribute: attributes };
}

/** A float tensor value with named (symbolic) or fixed dimensions, e.g. `['N', 224, 224, 3]`. */
export function floatValueInfo(name: string, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function encodeModel(graph: onnx.IGraphProto, producerName: string): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName,
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
