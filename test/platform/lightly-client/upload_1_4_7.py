"""lightly 1.4.7's upload_dataset, unpatched, in all three modes against `winnow serve`.

upload_dataset itself builds a torch dataset loader, so this script makes the calls it makes, in its order, with the
client's own code for each image — ApiWorkflowClient._upload_single_image (lightly_utils metadata, the client's WebP
thumbnail, writeurl / writeurls, signed PUTs) — and the generated API for the rest (partial samples, quota, datasource
type, registerDatasetUpload, initial tag / upsize). Prints one JSON line per step, like session_1_5_26.py.

Environment: LIGHTLY_SERVER_LOCATION, WINNOW_TOKEN, WINNOW_WORK (see session_1_5_26.py).
"""

import io
import json
import os
import time
import warnings

import numpy as np
import requests
from PIL import Image

warnings.simplefilter("ignore")

from lightly.api import ApiWorkflowClient  # noqa: E402
from lightly.openapi_generated.swagger_client.models.initial_tag_create_request import InitialTagCreateRequest  # noqa: E402
from lightly.openapi_generated.swagger_client.models.job_status_meta import JobStatusMeta  # noqa: E402
from lightly.openapi_generated.swagger_client.models.job_status_upload_method import JobStatusUploadMethod  # noqa: E402
from lightly.openapi_generated.swagger_client.models.sample_partial_mode import SamplePartialMode  # noqa: E402
from lightly.openapi_generated.swagger_client.models.tag_upsize_request import TagUpsizeRequest  # noqa: E402
from lightly.openapi_generated.swagger_client.rest import ApiException  # noqa: E402
from steps import expect, step  # noqa: E402

WORK = os.environ["WINNOW_WORK"]


def make_images(folder, count, seed):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = []
    for i in range(count):
        pixels = rng.integers(0, 255, size=(200 + 20 * i, 300, 3), dtype=np.uint8)
        name = f"photo-{i}.{'png' if i % 2 else 'jpg'}"
        Image.fromarray(pixels).save(os.path.join(folder, name))
        names.append(name)
    return names


def upload_like_upload_dataset(client, folder, names, mode):
    """upload_dataset(folder, mode=mode) of lightly 1.4.7, without its torch dataset loader."""
    tags = client._tags_api.get_tags_by_dataset_id(client.dataset_id)
    on_server = client._samples_api.get_samples_partial_by_dataset_id(dataset_id=client.dataset_id, mode=SamplePartialMode.FILENAMES, page_size=25000, page_offset=0)
    expect(int(client._quota_api.get_quota_maximum_dataset_size()) >= len(names), "quota")
    try:
        datasource_type = client._datasources_api.get_datasource_by_dataset_id(dataset_id=client.dataset_id).type
    except ApiException:
        datasource_type = "LIGHTLY"
    client._datasets_api.register_dataset_upload_by_id(
        body=JobStatusMeta(total=len(names), processed=0, is_registered=True, upload_method=JobStatusUploadMethod.USER_PIP),
        dataset_id=client.dataset_id,
    )
    known = {s.file_name for s in on_server}
    for name in names:
        if name in known:
            continue
        path = os.path.join(folder, name)
        client._upload_single_image(image=Image.open(path), filename=name, filepath=path, mode=mode, datasource_type=datasource_type)
    img_type = {"full": "full", "thumbnails": "thumbnail", "metadata": "meta"}[mode]
    if len(tags) == 0:
        client._tags_api.create_initial_tag_by_dataset_id(body=InitialTagCreateRequest(img_type=img_type, creator=client._creator), dataset_id=client.dataset_id)
    else:
        client._tags_api.upsize_tags_by_dataset_id(body=TagUpsizeRequest(upsize_tag_name=time.strftime("%Y%m%d_%Hh%Mm%Ss"), upsize_tag_creator=client._creator), dataset_id=client.dataset_id)


def read_image(client, sample_id, kind):
    url = client._samples_api.get_sample_image_read_url_by_id(dataset_id=client.dataset_id, sample_id=sample_id, type=kind)
    response = requests.get(url, timeout=30)
    response.raise_for_status()
    return Image.open(io.BytesIO(response.content))


client = ApiWorkflowClient(token=os.environ["WINNOW_TOKEN"])
stamp = int(time.time() * 1000)

for mode in ["full", "thumbnails", "metadata"]:

    @step(f"upload_dataset(mode={mode!r}) stores what the mode uploads")
    def _():
        client.create_dataset(f"upload-147-{mode}-{stamp}")
        folder = os.path.join(WORK, mode)
        names = make_images(folder, 4, seed=len(mode))
        upload_like_upload_dataset(client, folder, names, mode)
        samples = client._samples_api.get_samples_by_dataset_id(dataset_id=client.dataset_id)
        expect(sorted(s.file_name for s in samples) == sorted(names), f"samples {[s.file_name for s in samples]}")
        tags = client._tags_api.get_tags_by_dataset_id(client.dataset_id)
        expect([t.name for t in tags] == ["initial-tag"], f"tags {[t.name for t in tags]}")
        dataset = client._datasets_api.get_dataset_by_id(client.dataset_id)
        expect(dataset.img_type == {"full": "full", "thumbnails": "thumbnail", "metadata": "meta"}[mode], f"imgType {dataset.img_type}")
        for sample in samples:
            expect(sample.meta_data.size_in_bytes == os.path.getsize(os.path.join(folder, sample.file_name)), "sizeInBytes")
            if mode == "metadata":
                expect(sample.thumb_name is None, "metadata mode has a thumbName")
                try:
                    read_image(client, sample.id, "full")
                    raise AssertionError("metadata mode stored an image")
                except ApiException as error:
                    expect(error.status == 404, f"status {error.status}")
                continue
            thumb = read_image(client, sample.id, "thumbnail")
            expect(thumb.format == "WEBP", f"thumbnail format {thumb.format}")
            if mode == "full":
                full = read_image(client, sample.id, "full")
                with open(os.path.join(folder, sample.file_name), "rb") as f:
                    original = Image.open(f)
                    expect(full.size == original.size and full.format == original.format, f"full image {full.size} {full.format}")
        # A second upload of the same folder skips what is there and upsizes the tags.
        upload_like_upload_dataset(client, folder, names, mode)
        expect(len(client._samples_api.get_samples_by_dataset_id(dataset_id=client.dataset_id)) == len(names), "second upload duplicated samples")
        return len(samples)
