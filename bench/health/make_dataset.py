"""Builds bench/health's image set with known truth from photos that ship inside PyPI packages.

Originals: the colour photos of scikit-image, scikit-learn and matplotlib cut into quadrants (distinct real pictures
of 200-370 px) and scikit-image's grey photos whole, saved as JPEG q=92. For each original, derived copies:
  copy      same bytes, other name                      -> exact duplicate
  png       decoded pixels re-encoded as PNG            -> exact duplicate (same pixels), near duplicate
  jpeg60    re-encoded JPEG q=60                        -> near duplicate
  resized   0.6x                                        -> near duplicate
  cropped   6 px off every side                         -> near duplicate
  blurred   Gaussian blur radius 3                      -> blurry
  dark      pixels x 0.25                               -> dark
  bright    pixels x 1.7                                -> light
  overexp   pixels x 2.5 + 40                           -> light (over-exposed)
Planted out-of-domain images (outliers): scikit-image's text page, page scan, horse silhouette, chessboard and
microaneurysms. Broken files (unreadable): a truncated JPEG, an empty file, text named .jpg.

Usage: python make_dataset.py OUT_DIR   -> OUT_DIR/images/*, OUT_DIR/truth.json
"""
import json
import os
import shutil
import sys

import matplotlib
import numpy as np
import skimage
import sklearn
from PIL import Image, ImageFilter

SK = os.path.join(os.path.dirname(skimage.__file__), 'data')
SKL = os.path.join(os.path.dirname(sklearn.__file__), 'datasets', 'images')
MPL = os.path.join(os.path.dirname(matplotlib.__file__), 'mpl-data', 'sample_data')

COLOUR = [f'{SK}/astronaut.png', f'{SK}/chelsea.png', f'{SK}/coffee.png', f'{SK}/ihc.png', f'{SK}/motorcycle_left.png',
          f'{SK}/rocket.jpg', f'{SKL}/china.jpg', f'{SKL}/flower.jpg', f'{MPL}/grace_hopper.jpg']
GREY = [f'{SK}/camera.png', f'{SK}/brick.png', f'{SK}/grass.png', f'{SK}/gravel.png', f'{SK}/coins.png', f'{SK}/cell.png']
OUTLIERS = [f'{SK}/text.png', f'{SK}/page.png', f'{SK}/horse.png', f'{SK}/chessboard_RGB.png', f'{SK}/microaneurysms.png']


def originals():
    for path in COLOUR:
        im = Image.open(path).convert('RGB')
        w, h = im.size
        base = os.path.splitext(os.path.basename(path))[0]
        for qi, (x, y) in enumerate([(0, 0), (w // 2, 0), (0, h // 2), (w // 2, h // 2)]):
            yield f'{base}_q{qi}', im.crop((x, y, x + w // 2, y + h // 2))
    for path in GREY:
        yield os.path.splitext(os.path.basename(path))[0], Image.open(path).convert('RGB')


def scale(im, factor, offset=0):
    a = np.asarray(im).astype(np.float32) * factor + offset
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def main(out):
    images = os.path.join(out, 'images')
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(images)
    truth = {'families': {}, 'exact': [], 'near': [], 'blurry': [], 'dark': [], 'light': [], 'outliers': [], 'unreadable': []}
    for name, im in originals():
        orig = f'{name}.jpg'
        im.save(os.path.join(images, orig), quality=92)
        decoded = Image.open(os.path.join(images, orig)).convert('RGB')
        w, h = decoded.size
        files = {'orig': orig}
        shutil.copyfile(os.path.join(images, orig), os.path.join(images, f'{name}_copy.jpg'))
        files['copy'] = f'{name}_copy.jpg'
        decoded.save(os.path.join(images, f'{name}_png.png'))
        files['png'] = f'{name}_png.png'
        decoded.save(os.path.join(images, f'{name}_jpeg60.jpg'), quality=60)
        files['jpeg60'] = f'{name}_jpeg60.jpg'
        decoded.resize((int(w * 0.6), int(h * 0.6)), Image.LANCZOS).save(os.path.join(images, f'{name}_resized.jpg'), quality=92)
        files['resized'] = f'{name}_resized.jpg'
        decoded.crop((6, 6, w - 6, h - 6)).save(os.path.join(images, f'{name}_cropped.jpg'), quality=92)
        files['cropped'] = f'{name}_cropped.jpg'
        decoded.filter(ImageFilter.GaussianBlur(3)).save(os.path.join(images, f'{name}_blurred.jpg'), quality=92)
        files['blurred'] = f'{name}_blurred.jpg'
        scale(decoded, 0.25).save(os.path.join(images, f'{name}_dark.jpg'), quality=92)
        files['dark'] = f'{name}_dark.jpg'
        scale(decoded, 1.7).save(os.path.join(images, f'{name}_bright.jpg'), quality=92)
        files['bright'] = f'{name}_bright.jpg'
        scale(decoded, 2.5, 40).save(os.path.join(images, f'{name}_overexp.jpg'), quality=92)
        files['overexp'] = f'{name}_overexp.jpg'
        truth['families'][name] = files
        truth['exact'].append([orig, files['copy'], files['png']])
        truth['near'].append([orig, files['copy'], files['png'], files['jpeg60'], files['resized'], files['cropped']])
        truth['blurry'].append(files['blurred'])
        truth['dark'].append(files['dark'])
        truth['light'] += [files['bright'], files['overexp']]
    for path in OUTLIERS:
        name = 'planted_' + os.path.splitext(os.path.basename(path))[0] + '.png'
        Image.open(path).convert('RGB').save(os.path.join(images, name))
        truth['outliers'].append(name)
    some = os.path.join(images, truth['families'][next(iter(truth['families']))]['orig'])
    data = open(some, 'rb').read()
    open(os.path.join(images, 'broken_truncated.jpg'), 'wb').write(data[: len(data) // 3])
    open(os.path.join(images, 'broken_empty.jpg'), 'wb').close()
    open(os.path.join(images, 'broken_text.jpg'), 'w').write('not an image\n')
    truth['unreadable'] = ['broken_truncated.jpg', 'broken_empty.jpg', 'broken_text.jpg']
    with open(os.path.join(out, 'truth.json'), 'w') as f:
        json.dump(truth, f, indent=1)
    print(f'{len(os.listdir(images))} images in {images}')


if __name__ == '__main__':
    main(sys.argv[1])
