"""The Lightly reference fixtures in test/fixtures/lightly are byte for byte what lightly 1.5.26's own writers produce.

Each fixture is read back, its data written again with lightly.utils.io.save_embeddings / save_custom_metadata, and the
bytes compared. Prints one JSON line per fixture, like session_1_5_26.py. Environment: WINNOW_FIXTURES, WINNOW_WORK.
"""

import csv
import json
import os

import numpy as np

from lightly.utils import io as lightly_io
from steps import step  # noqa: E402

FIXTURES = os.environ["WINNOW_FIXTURES"]
WORK = os.environ["WINNOW_WORK"]


def same_bytes(fixture, written):
    with open(fixture, "rb") as a, open(written, "rb") as b:
        expected, actual = a.read(), b.read()
    if expected != actual:
        at = next(i for i in range(min(len(expected), len(actual)) + 1) if i >= min(len(expected), len(actual)) or expected[i] != actual[i])
        raise AssertionError(f"differs at byte {at}: fixture {expected[at:at + 60]!r}, lightly {actual[at:at + 60]!r}")
    return len(actual)


for name in ["embeddings_small.csv", "embeddings_1000x32.csv"]:

    @step(f"{name} is what lightly's save_embeddings writes")
    def _():
        fixture = os.path.join(FIXTURES, name)
        lightly_io.check_embeddings(fixture)
        embeddings, labels, filenames = lightly_io.load_embeddings(fixture)
        # The fixtures hold float32 values (what an embedding model outputs): write them as lightly does from float32.
        with open(fixture, newline="") as f:
            rows = list(csv.reader(f))[1:]
        values = np.array([[np.float32(v) for v in row[1:-1]] for row in rows], dtype=np.float32)
        assert np.allclose(values.astype(np.float64), embeddings, equal_nan=True), "load_embeddings disagrees with the CSV text"
        written = os.path.join(WORK, name)
        lightly_io.save_embeddings(written, values, labels, filenames)
        return same_bytes(fixture, written)


@step("custom_metadata.json holds what lightly's save_custom_metadata writes")
def _():
    fixture = os.path.join(FIXTURES, "custom_metadata.json")
    with open(fixture) as f:
        data = json.load(f)
    by_id = {image["id"]: image["file_name"] for image in data["images"]}
    pairs = [(by_id[entry["image_id"]], {k: v for k, v in entry.items() if k != "image_id"}) for entry in data["metadata"]]
    written = os.path.join(WORK, "custom_metadata.json")
    lightly_io.save_custom_metadata(written, pairs)
    with open(written) as f:
        lightly_json = json.load(f)
    if lightly_json != data:
        raise AssertionError(f"lightly writes {json.dumps(lightly_json)[:300]}, the fixture holds {json.dumps(data)[:300]}")
    # lightly 1.5.26 writes one line (json.dump without indent); the fixture is the same JSON indented by 4 spaces.
    try:
        return {"bytes": same_bytes(fixture, written)}
    except AssertionError:
        with open(written) as f:
            return {"same JSON": True, "indented copy of lightly's output": json.dumps(json.load(f), indent=4) == open(fixture).read().rstrip("\n")}
