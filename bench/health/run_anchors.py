"""Runs fastdup or cleanvision on a folder and prints their findings as JSON, for bench/health to score.

Usage: python run_anchors.py fastdup|cleanvision IMAGE_DIR WORK_DIR
Output (WORK_DIR/result.json, one JSON object; fastdup's native code prints to stdout itself): {tool, version, seconds, images, exact: [[a, b, ...]], near: [[...]],
blurry: [...], dark: [...], light: [...], outliers: [...], unreadable: [...]} with file names relative to IMAGE_DIR.
Each tool runs with its own defaults (thresholds quoted below from its source), on all cores it wants.
"""
import json
import os
import sys
import time
import contextlib


def rel(path, root):
    return os.path.relpath(path, root).replace(os.sep, '/')


def run_fastdup(images, work):
    import fastdup
    start = time.time()
    with contextlib.redirect_stdout(sys.stderr):
        fd = fastdup.create(work_dir=work, input_dir=images)
        # run(): defaults threshold=0.9 (similarity edges kept), cc_threshold=0.96 (connected components).
        fd.run(overwrite=True, verbose=False)
        sim = fd.similarity()
        cc_df, _ = fd.connected_components()
        outliers = fd.outliers()
        stats = fd.img_stats()
        invalid = fd.invalid_instances()
    seconds = time.time() - start
    name = lambda p: rel(p, images)
    # Near duplicates: fastdup's connected components (edges at similarity >= cc_threshold 0.96).
    groups = {}
    for _, row in cc_df.iterrows():
        if row.get('count', 2) < 2:
            continue
        groups.setdefault(row['component_id'], []).append(name(row['filename']))
    near = [g for g in groups.values() if len(g) > 1]
    # Exact duplicates: pairs fastdup scores as identical (similarity >= 0.9999; it has no content hash).
    exact = [[name(r['filename_from']), name(r['filename_to'])] for _, r in sim.iterrows() if r['distance'] >= 0.9999]
    # Its summary()'s default cuts: blur < 150, mean > 253 (bright), mean < 4 (dark).
    blurry = [name(f) for f in stats[stats['blur'] < 150]['filename']]
    dark = [name(f) for f in stats[stats['mean'] < 4]['filename']]
    light = [name(f) for f in stats[stats['mean'] > 253]['filename']]
    return {
        'tool': 'fastdup', 'version': fastdup.__version__, 'seconds': seconds, 'images': int(len(stats) + len(invalid)),
        'exact': exact, 'near': near, 'blurry': blurry, 'dark': dark, 'light': light,
        'outliers': sorted(set(name(f) for f in outliers['filename_outlier'])),
        'unreadable': [name(f) for f in invalid['filename']],
    }


def run_cleanvision(images, work):
    import cleanvision
    from cleanvision import Imagelab
    start = time.time()
    note = ''
    with contextlib.redirect_stdout(sys.stderr):
        try:
            lab = Imagelab(data_path=images)
            lab.find_issues()
        except Exception as error:  # cleanvision 0.3.7 stops at the first file PIL cannot open
            note = f'aborted on an undecodable file ({type(error).__name__}); rerun without the files PIL cannot open'
            from PIL import Image
            readable = []
            for f in sorted(os.listdir(images)):
                try:
                    with Image.open(os.path.join(images, f)) as im:
                        im.load()
                    readable.append(os.path.join(images, f))
                except Exception:
                    pass
            start = time.time()  # timed from the rerun only
            lab = Imagelab(filepaths=readable)
            lab.find_issues()
    seconds = time.time() - start
    issues = lab.issues
    name = lambda p: rel(p, images)
    flagged = lambda col: [name(p) for p in issues.index[issues[col]]] if col in issues else []
    sets = lambda key: [[name(p) for p in s] for s in lab.info.get(key, {}).get('sets', [])]
    return {
        'tool': 'cleanvision', 'version': cleanvision.__version__, 'seconds': seconds, 'images': int(len(issues)),
        'exact': sets('exact_duplicates'), 'near': sets('exact_duplicates') + sets('near_duplicates'),
        'blurry': flagged('is_blurry_issue'), 'dark': flagged('is_dark_issue'), 'light': flagged('is_light_issue'),
        'outliers': [],
        'unreadable': [],
        'note': note,
    }


if __name__ == '__main__':
    tool, images, work = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    os.makedirs(work, exist_ok=True)
    result = run_fastdup(images, work) if tool == 'fastdup' else run_cleanvision(images, work)
    with open(os.path.join(work, 'result.json'), 'w') as f:
        json.dump(result, f)
