import sharp from 'sharp';
import { encodeModel, floatTensor, floatValueInfo, int64Tensor, node } from '../../src/embed/onnx-graph';
import type { DetectorConfig } from '../../src/predictions/detect-images';

/**
 * A tiny ONNX "detector" with known outputs: 8 fixed boxes (the four quadrants of the input, normalised xyxy, then
 * the same quadrants shrunk by 2 % as near-duplicates) and per-box class scores computed from the image:
 * red = relu(mean R − mean G), green = relu(mean G − mean R) over the box's quadrant (the duplicates score 0.9× that).
 * So an image with a red top-left and a green bottom-right quadrant has exactly two objects after NMS.
 */
export function quadrantDetector(): Uint8Array {
  const quadrants = [
    [0, 0, 0.5, 0.5],
    [0.5, 0, 1, 0.5],
    [0, 0.5, 0.5, 1],
    [0.5, 0.5, 1, 1],
  ];
  const shrunk = quadrants.map(([x1, y1, x2, y2]) => [x1 + 0.02, y1 + 0.02, x2, y2]);
  const graph = {
    name: 'quadrant-detector',
    node: [
      node('AveragePool', ['images'], ['pooled'], 'pool', [
        { name: 'kernel_shape', type: 7, ints: [16, 16] },
        { name: 'strides', type: 7, ints: [16, 16] },
      ]),
      node('Reshape', ['pooled', 'shape_n3k'], ['cells'], 'cells'), // [1, 3, 4]
      node('Transpose', ['cells'], ['cellsT'], 'cellsT', [{ name: 'perm', type: 7, ints: [0, 2, 1] }]), // [1, 4, 3]
      node('MatMul', ['cellsT', 'w'], ['diff'], 'diff'), // [1, 4, 2]: R − G, G − R
      node('Relu', ['diff'], ['quadScores'], 'relu'),
      node('Mul', ['quadScores', 'ninety'], ['dupScores'], 'dup'),
      node('Concat', ['quadScores', 'dupScores'], ['scores'], 'scores', [{ name: 'axis', type: 2, i: 1 }]), // [1, 8, 2]
      node('Identity', ['anchors'], ['boxes'], 'boxes'),
    ],
    initializer: [
      int64Tensor('shape_n3k', [1, 3, 4]),
      floatTensor('w', [3, 2], Float32Array.of(1, -1, -1, 1, 0, 0)),
      floatTensor('ninety', [1], Float32Array.of(0.9)),
      floatTensor('anchors', [1, 8, 4], Float32Array.from([...quadrants, ...shrunk].flat())),
    ],
    input: [floatValueInfo('images', [1, 3, 32, 32])],
    output: [floatValueInfo('boxes', [1, 8, 4]), floatValueInfo('scores', [1, 8, 2])],
  };
  return encodeModel(graph, 'winnow-test');
}

export const detectorConfig: DetectorConfig = {
  taskType: 'object-detection',
  categories: ['red', 'green'],
  model: { size: 32, layout: 'NCHW', scale: 1 / 255 },
  outputs: { boxes: 'boxes', scores: 'scores' },
  boxFormat: 'xyxy',
  boxCoordinates: 'normalized',
  scoreThreshold: 0.3,
  iouThreshold: 0.5,
  probabilities: true,
};

/** A W×H white image with coloured rectangles. */
export async function drawImage(file: string, width: number, height: number, rects: Array<{ left: number; top: number; width: number; height: number; colour: string }>) {
  const overlays = await Promise.all(
    rects.map(async (r) => ({ input: await sharp({ create: { width: r.width, height: r.height, channels: 3, background: r.colour } }).png().toBuffer(), left: r.left, top: r.top })),
  );
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(overlays).png().toFile(file);
}

