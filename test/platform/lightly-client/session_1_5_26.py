"""A Lightly user's whole session with lightly 1.5.26's own ApiWorkflowClient, unpatched, against `winnow serve`.

Run by lightly-client.test.ts with the venv from scripts/lightly-clients/install.sh. Each step prints one JSON line
{"step", "ok", "detail" | "error"}; the test turns every line into an assertion. Steps run in order and share state,
as a user's script would; a failing step does not stop the later ones.

Environment (set by the test):
  LIGHTLY_SERVER_LOCATION   the Winnow server
  WINNOW_TOKEN, WINNOW_TOKEN_2, WINNOW_USER_2   two users' tokens, and the second user's name
  WINNOW_WORK               a scratch folder
  WINNOW_S3                 JSON {bucket, prefix, region, accessKeyId, secretAccessKey, files: [...]} on the test MinIO
  WINNOW_LOCAL              JSON {fullPath, files: [...]} under the server's --local-datasource-root
  WINNOW_NEW_DEFAULT        the strategy the server's default selection should report (optional)
"""

import csv
import json
import os
import time
import warnings

import numpy as np
from PIL import Image, ImageDraw

warnings.simplefilter("ignore")

from lightly.api import ApiWorkflowClient  # noqa: E402
from lightly.active_learning.config.selection_config import SelectionConfig  # noqa: E402
from lightly.openapi_generated.swagger_client.models import (  # noqa: E402
    ConfigurationValueDataType,
    DatasourcePurpose,
    ImageType,
    InitialTagCreateRequest,
    SampleCreateRequest,
    SamplingMethod,
    TagCreator,
)
from lightly.utils import io as lightly_io  # noqa: E402
from steps import expect, step  # noqa: E402

WORK = os.environ["WINNOW_WORK"]
S3 = json.loads(os.environ["WINNOW_S3"])
LOCAL = json.loads(os.environ["WINNOW_LOCAL"])
STATE = {}


def make_image(path, seed):
    """A photo-sized JPEG with distinct content per seed (gradient, shapes, noise), so thumbnails and embeddings differ."""
    rng = np.random.default_rng(seed)
    h, w = 240 + seed % 3 * 40, 320
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * (seed + 1)) % 256, (y * (seed + 3)) % 256, ((x + y) * (seed + 5)) % 256], axis=-1).astype(np.uint8)
    noise = rng.integers(0, 40, size=base.shape, dtype=np.uint8)
    image = Image.fromarray(np.clip(base.astype(int) + noise, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for k in range(3):
        x0, y0 = rng.integers(0, w - 60), rng.integers(0, h - 60)
        draw.ellipse([x0, y0, x0 + 50, y0 + 50], fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    image.save(path, "JPEG", quality=90)


def make_dataset_images(names, offset=0):
    folder = os.path.join(WORK, "images")
    os.makedirs(folder, exist_ok=True)
    for i, name in enumerate(names):
        make_image(os.path.join(folder, name), i + offset)
    return folder


def embeddings_csv(path, names, seed):
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(len(names), 16)).astype(np.float32)
    lightly_io.save_embeddings(path, vectors, [i % 3 for i in range(len(names))], names)


client = ApiWorkflowClient(token=os.environ["WINNOW_TOKEN"])


def raw(method, path, body=None, token=None):
    """One request as the client sends it, returning the JSON body itself (for the model checks)."""
    import requests

    url = path if path.startswith("/v1/") else f"/v1/datasets/{client.dataset_id}" + (f"/{path}" if path else "")
    response = requests.request(method, os.environ["LIGHTLY_SERVER_LOCATION"] + url, json=body, headers={"Authorization": f"Bearer {token or os.environ['WINNOW_TOKEN']}"}, timeout=60)
    if response.status_code >= 400:
        raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:500]}")
    return response.json()


NAMES = [f"img-{i:02d}.jpg" for i in range(12)]
MORE = [f"more-{i:02d}.jpg" for i in range(4)]


@step("create_dataset")
def _():
    name = f"lightly-session-{int(time.time() * 1000)}"
    client.create_dataset(name)
    STATE["name"] = name
    STATE["dataset_id"] = client.dataset_id
    return client.dataset_id


@step("dataset reads: dataset_exists, get_dataset_by_id, get_datasets, get_datasets_by_name, set_dataset_id_by_name")
def _():
    dataset_id = STATE["dataset_id"]
    expect(client.dataset_exists(dataset_id), "dataset_exists is False")
    expect(not client.dataset_exists("0" * 24), "dataset_exists of an unknown id is True")
    expect(client.get_dataset_by_id(dataset_id).name == STATE["name"], "get_dataset_by_id name")
    expect(dataset_id in [d.id for d in client.get_datasets()], "get_datasets misses it")
    expect(client.dataset_name_exists(STATE["name"]), "dataset_name_exists")
    expect([d.id for d in client.get_datasets_by_name(STATE["name"])] == [dataset_id], "get_datasets_by_name")
    expect(dataset_id in [d.id for d in client.get_all_datasets()], "get_all_datasets")
    client.set_dataset_id_by_name(STATE["name"])
    expect(client.dataset_id == dataset_id, "set_dataset_id_by_name")
    expect(client.dataset_type == "Images", f"dataset_type {client.dataset_type}")
    return "ok"


@step("create_new_dataset_with_unique_name")
def _():
    client.create_new_dataset_with_unique_name(STATE["name"])
    other = client.dataset_id
    expect(other != STATE["dataset_id"], "same id")
    name = client.get_dataset_by_id(other).name
    expect(name.startswith(STATE["name"]) and name != STATE["name"], f"unique name {name}")
    client.delete_dataset_by_id(other)
    expect(not client.dataset_exists(other), "deleted dataset still exists")
    client.dataset_id = STATE["dataset_id"]
    return name


@step("create samples, upload images through writeurl / writeurls, initial tag")
def _():
    folder = make_dataset_images(NAMES)
    samples_api = client._samples_api
    for i, name in enumerate(NAMES):
        thumb = name.rsplit(".", 1)[0] + "_thumb.webp"
        created = samples_api.create_sample_by_dataset_id(
            dataset_id=client.dataset_id,
            sample_create_request=SampleCreateRequest(file_name=name, thumb_name=thumb, meta_data={"sizeInBytes": os.path.getsize(os.path.join(folder, name))}),
        )
        path = os.path.join(folder, name)
        if i % 2 == 0:
            # full mode: both URLs in one call; the thumbnail is made by the client (as upload_dataset did)
            urls = samples_api.get_sample_image_write_urls_by_id(dataset_id=client.dataset_id, sample_id=created.id)
            with open(path, "rb") as f:
                client.upload_file_with_signed_url(f, urls.full)
            thumb_path = os.path.join(WORK, thumb)
            Image.open(path).convert("RGB").resize((64, 48)).save(thumb_path, "WEBP")
            with open(thumb_path, "rb") as f:
                client.upload_file_with_signed_url(f, urls.thumb)
        else:
            # one URL per file: the platform makes the thumbnail of a full image
            url = samples_api.get_sample_image_write_url_by_id(dataset_id=client.dataset_id, sample_id=created.id, is_thumbnail=False)
            with open(path, "rb") as f:
                client.upload_file_with_signed_url(f, url)
    client._tags_api.create_initial_tag_by_dataset_id(
        dataset_id=client.dataset_id, initial_tag_create_request=InitialTagCreateRequest(img_type=ImageType.FULL, creator=TagCreator.USER_PIP)
    )
    names = client.get_filenames()
    expect(names == NAMES, f"get_filenames {names}")
    return len(names)


@step("thumbnails: readurl?type=thumbnail serves a WebP for every sample")
def _():
    import requests

    ids = client._mappings_api.get_sample_mappings_by_dataset_id(dataset_id=client.dataset_id, field="_id")
    formats = set()
    for sample_id in ids:
        url = client._samples_api.get_sample_image_read_url_by_id(dataset_id=client.dataset_id, sample_id=sample_id, type="thumbnail")
        response = requests.get(url, timeout=30)
        response.raise_for_status()
        from io import BytesIO

        formats.add(Image.open(BytesIO(response.content)).format)
    expect(formats == {"WEBP"}, f"thumbnail formats {formats}")
    return len(ids)


@step("upload_embeddings")
def _():
    path = os.path.join(WORK, "embeddings.csv")
    embeddings_csv(path, NAMES, 1)
    client.upload_embeddings(path, name="default")
    data = client.get_all_embedding_data()
    expect([e.name for e in data] == ["default"], f"embeddings {[e.name for e in data]}")
    expect(client.get_embedding_data_by_name("default").id == data[0].id, "get_embedding_data_by_name")
    client.set_embedding_id_to_latest()
    return data[0].id


@step("append_embeddings (new samples, merged with the uploaded rows)")
def _():
    folder = make_dataset_images(MORE, offset=100)
    for name in MORE:
        created = client._samples_api.create_sample_by_dataset_id(dataset_id=client.dataset_id, sample_create_request=SampleCreateRequest(file_name=name))
        url = client._samples_api.get_sample_image_write_url_by_id(dataset_id=client.dataset_id, sample_id=created.id, is_thumbnail=False)
        with open(os.path.join(folder, name), "rb") as f:
            client.upload_file_with_signed_url(f, url)
    path = os.path.join(WORK, "more.csv")
    embeddings_csv(path, MORE, 2)
    # append_embeddings merges the server's rows into the local file; upload_embeddings then uploads the union
    client.append_embeddings(path, embedding_id=client.get_embedding_data_by_name("default").id)
    client.upload_embeddings(path, name="default")
    out = os.path.join(WORK, "downloaded.csv")
    client.download_embeddings_csv(out)
    with open(out) as f:
        rows = list(csv.reader(f))
    names = [r[0] for r in rows[1:]]
    expect(sorted(names) == sorted(NAMES + MORE), f"downloaded rows {names}")
    _, _, loaded_names = lightly_io.load_embeddings(out)
    # upload_embeddings renamed the merged upload `default_<time>`; get_embedding_by_name ignores the suffix
    newest = client.get_embedding_by_name("default")
    by_id = os.path.join(WORK, "by-id.csv")
    client.download_embeddings_csv_by_id(newest.id, by_id)
    expect(open(by_id).read() == open(out).read(), "download_embeddings_csv_by_id differs from download_embeddings_csv")
    return len(loaded_names)


@step("upload_custom_metadata and create_custom_metadata_config")
def _():
    entries = [(name, {"weather": {"temperature": float(i)}, "camera": "front" if i % 2 else "rear"}) for i, name in enumerate(NAMES + MORE)]
    client.upload_custom_metadata(lightly_io.format_custom_metadata(entries))
    client.create_custom_metadata_config(
        "weather",
        [
            {"name": "Temperature", "path": "weather.temperature", "defaultValue": 0, "valueDataType": ConfigurationValueDataType.NUMERIC_FLOAT},
            {"name": "Camera", "path": "camera", "defaultValue": "", "valueDataType": ConfigurationValueDataType.CATEGORICAL_STRING},
        ],
    )
    sample = client._samples_api.get_samples_by_dataset_id(dataset_id=client.dataset_id, file_name=NAMES[3])[0]
    expect(sample.custom_meta_data["weather"]["temperature"] == 3.0, f"customMetaData {sample.custom_meta_data}")
    return "ok"


@step("tags: get_all_tags, get_tag_by_name, create_tag_from_filenames, get_filenames_in_tag, delete")
def _():
    tags = client.get_all_tags()
    expect([t.name for t in tags] == ["initial-tag"], f"tags {[t.name for t in tags]}")
    initial = client.get_tag_by_name("initial-tag")
    expect(client.get_tag_by_id(initial.id).tot_size == 16, "initial-tag totSize")
    client.create_tag_from_filenames(NAMES[:5], "first-five")
    tag = client.get_tag_by_name("first-five")
    expect(client.get_filenames_in_tag(tag) == NAMES[:5], "get_filenames_in_tag")
    expect(client.get_filenames_in_tag(tag, exclude_parent_tag=True) == [], "exclude_parent_tag")
    temp = client.create_tag_from_filenames(NAMES[5:7], "temporary")
    client.delete_tag_by_id(temp.id)
    client.create_tag_from_filenames(NAMES[7:8], "temporary-2")
    client.delete_tag_by_name("temporary-2")
    expect([t.name for t in client.get_all_tags()] == ["initial-tag", "first-five"], "after deletes")
    expect(all(c.user_id for t in client.get_all_tags() for c in (t.changes or [])), "a change entry without userId")
    return tag.id


@step("upload_scores on initial-tag, read them back")
def _():
    initial = client.get_tag_by_name("initial-tag")
    scores = np.linspace(0.0, 1.0, 16)
    client.upload_scores({"uncertainty_entropy": scores}, query_tag_id=initial.id)
    listed = client._scores_api.get_active_learning_scores_by_tag_id(dataset_id=client.dataset_id, tag_id=initial.id)
    expect([s.score_type for s in listed] == ["uncertainty_entropy"], f"score types {listed}")
    one = client._scores_api.get_active_learning_score_by_score_id(dataset_id=client.dataset_id, tag_id=initial.id, score_id=listed[0].id)
    expect(np.allclose(one.scores, scores), f"scores {one.scores}")
    return listed[0].id


@step("selection CORESET")
def _():
    tag = client.selection(SelectionConfig(method=SamplingMethod.CORESET, n_samples=6, name="coreset-6"))
    names = client.get_filenames_in_tag(tag)
    expect(len(names) == 6 and len(set(names)) == 6, f"coreset picked {names}")
    return names


@step("selection RANDOM")
def _():
    tag = client.selection(SelectionConfig(method=SamplingMethod.RANDOM, n_samples=4, name="random-4"))
    expect(len(client.get_filenames_in_tag(tag)) == 4, "random count")
    return tag.id


@step("selection ACTIVE_LEARNING reads the uploaded scores")
def _():
    tag = client.selection(SelectionConfig(method=SamplingMethod.ACTIVE_LEARNING, n_samples=3, name="active-3"))
    names = client.get_filenames_in_tag(tag)
    # scores rise with dataset order: the three highest are the last three samples
    expect(sorted(names) == sorted((NAMES + MORE)[-3:]), f"active learning picked {names}")
    return names


@step("selection CORAL (coreset + uploaded scores)")
def _():
    tag = client.selection(SelectionConfig(method=SamplingMethod.CORAL, n_samples=5, name="coral-5"))
    expect(len(client.get_filenames_in_tag(tag)) == 5, "coral count")
    return tag.id


@step("exports: export_filenames_by_tag_name, export_filenames_and_read_urls_by_tag_name")
def _():
    import requests

    names = client.export_filenames_by_tag_name("first-five").split("\n")
    expect(names == NAMES[:5], f"filenames {names}")
    rows = client.export_filenames_and_read_urls_by_tag_name("first-five")
    expect([r["fileName"] for r in rows] == NAMES[:5], f"rows {rows}")
    for row in rows:
        response = requests.get(row["readUrl"], timeout=30)
        response.raise_for_status()
        expect(response.headers["content-type"].startswith("image/"), f"content type {response.headers['content-type']}")
    return len(rows)


@step("exports: Label Studio tasks and Labelbox data rows with image URLs that open")
def _():
    import requests

    # the client returns model objects from one of its two export mixins and dicts from the other
    as_dict = lambda item: item.to_dict(by_alias=True) if hasattr(item, "to_dict") else item  # noqa: E731
    tasks = [as_dict(t) for t in client.export_label_studio_tasks_by_tag_name("first-five")]
    expect([t["data"]["lightlyFileName"] for t in tasks] == NAMES[:5], f"tasks {tasks}")
    expect(requests.get(tasks[0]["data"]["image"], timeout=30).status_code == 200, "Label Studio image URL")
    rows = [as_dict(r) for r in client.export_label_box_data_rows_by_tag_name("first-five")]
    expect([r["externalId"] for r in rows] == NAMES[:5], f"labelbox {rows}")
    v4 = [as_dict(r) for r in client.export_label_box_v4_data_rows_by_tag_name("first-five")]
    expect([r["global_key"] for r in v4] == NAMES[:5], f"labelbox v4 {v4}")
    expect(requests.get(v4[0]["row_data"], timeout=30).status_code == 200, "Labelbox v4 image URL")
    return len(tasks)


@step("download_dataset writes every image")
def _():
    out = os.path.join(WORK, "download")
    # The client's 8 download threads each create a missing output folder (exists-then-makedirs): when it does not
    # exist yet, all but one of the first images can fail with FileExistsError (a client race). Create it first.
    os.makedirs(out)
    os.makedirs(os.path.join(WORK, "download-tag"))
    client.download_dataset(out)
    written = sorted(os.listdir(out))
    expect(written == sorted(NAMES + MORE), f"written {written}")
    for name in written:
        with Image.open(os.path.join(out, name)) as image:
            image.load()
    client.download_dataset(os.path.join(WORK, "download-tag"), tag_name="first-five")
    expect(sorted(os.listdir(os.path.join(WORK, "download-tag"))) == NAMES[:5], "download of a tag")
    return len(written)


@step("S3 datasource on MinIO: set_s3_config, get_datasource (secret redacted), permissions")
def _():
    client.set_s3_config(
        resource_path=f"s3://{S3['bucket']}/{S3['prefix']}",
        region=S3["region"],
        access_key=S3["accessKeyId"],
        secret_access_key=S3["secretAccessKey"],
        thumbnail_suffix=".lightly/thumbnails/[filename]_thumb.[extension]",
        purpose=DatasourcePurpose.INPUT_OUTPUT,
    )
    config = client.get_datasource()
    STATE["s3_config"] = raw("GET", "datasource")
    secret = config.actual_instance.s3_secret_access_key
    expect(secret != S3["secretAccessKey"], "get_datasource returned the secret")
    permissions = client.list_datasource_permissions()
    expect(permissions["can_list"] and permissions["can_read"], f"permissions {permissions}")
    return {"type": config.actual_instance.type, "secret": secret}


@step("datasource listing: download_raw_samples, download_new_raw_samples, processed-until timestamp, predictions and metadata files")
def _():
    listed = client.download_raw_samples()
    expect(sorted(n for n, _ in listed) == sorted(S3["files"]), f"listed {listed}")
    import requests

    expect(requests.get(listed[0][1], timeout=30).status_code == 200, "datasource read URL")
    expect(client.get_processed_until_timestamp() == 0, "processed-until before any run")
    new = client.download_new_raw_samples()
    expect(sorted(n for n, _ in new) == sorted(S3["files"]), f"new {new}")
    after = client.get_processed_until_timestamp()
    expect(after > 0, f"processed-until after {after}")
    expect(client.download_new_raw_samples() == [], "second download_new_raw_samples is not empty")
    client.update_processed_until_timestamp(5)
    expect(client.get_processed_until_timestamp() == 5, "update_processed_until_timestamp")
    predictions = client.download_raw_predictions("weeds")
    expect(sorted(n for n, _ in predictions) == ["barn/cow-3.json", "cow-1.json"], f"predictions {predictions}")
    expect(requests.get(predictions[0][1], timeout=30).json()["predictions"] == [], "prediction read URL")
    metadata = client.download_raw_metadata()
    expect([n for n, _ in metadata] == ["cow-2.json"], f"metadata {metadata}")
    url = client.get_metadata_read_url("cow-2.json")
    expect(requests.get(url, timeout=30).json()["metadata"] == {"weather": "sunny"}, "get_metadata_read_url")
    url = client.get_prediction_read_url("weeds/cow-1.json")
    expect(requests.get(url, timeout=30).json()["file_name"] == "cow-1.jpg", "get_prediction_read_url")
    expect("/.lightly/embeddings/default.csv" in client.get_custom_embedding_read_url("default.csv"), "get_custom_embedding_read_url")
    return len(listed)


@step("datasource types: LOCAL accepted (confined to the root), GCS / AZURE / S3DelegatedAccess / OBS refused")
def _():
    refused = {}
    for name, call in {
        "GCS": lambda: client.set_gcs_config("gs://b/p/", "project", "{}", ".thumb"),
        "AZURE": lambda: client.set_azure_config("container/p/", "account", "sas", ".thumb"),
        "S3DelegatedAccess": lambda: client.set_s3_delegated_access_config("s3://b/p/", "us-east-1", "arn:aws:iam::123456789012:role/lightly", "external-id-1"),
        "OBS": lambda: client.set_obs_config("obs://b/p/", "https://obs.example", "key", "secret"),
    }.items():
        try:
            call()
            refused[name] = "accepted"
        except Exception as error:  # the client raises ApiException with the server's message
            refused[name] = str(error)
    expect(all("not supported by Winnow" in v for v in refused.values()), f"refusals {refused}")
    try:
        client.set_local_config("../outside", purpose=DatasourcePurpose.INPUT)
        raise AssertionError("a LOCAL path with .. was accepted")
    except Exception as error:
        expect("400" in str(error), f"LOCAL .. error {error}")
    client.set_local_config(LOCAL["fullPath"], purpose=DatasourcePurpose.INPUT_OUTPUT)
    config = client.get_datasource()
    expect(config.actual_instance.type == "LOCAL", f"type {config.actual_instance.type}")
    listed = client.download_raw_samples()
    expect(sorted(n for n, _ in listed) == sorted(LOCAL["files"]), f"local listed {listed}")
    import requests

    expect(requests.get(listed[0][1], timeout=30).status_code == 200, "LOCAL read URL")
    return refused


@step("share_dataset_only_with, get_shared_users, get_datasets(shared=True), access both ways")
def _():
    other = ApiWorkflowClient(token=os.environ["WINNOW_TOKEN_2"])
    user_2 = os.environ["WINNOW_USER_2"]
    dataset_id = STATE["dataset_id"]
    expect(not other.dataset_exists(dataset_id), "the second user sees the dataset before it is shared")
    expect(dataset_id not in [d.id for d in other.get_datasets(shared=True)], "listed as shared before sharing")
    client.share_dataset_only_with(dataset_id, [user_2])
    expect(client.get_shared_users(dataset_id) == [user_2], f"shared users {client.get_shared_users(dataset_id)}")
    STATE["access"] = raw("GET", "collaboration/access")
    STATE["shared_list"] = raw("GET", "/v1/datasets?shared=true", token=os.environ["WINNOW_TOKEN_2"])
    shared = other.get_datasets(shared=True)
    expect([d.id for d in shared] == [dataset_id], f"shared list {[d.id for d in shared]}")
    expect(dataset_id not in [d.id for d in other.get_datasets()], "shared dataset listed as the second user's own")
    expect(dataset_id not in [d.id for d in client.get_datasets(shared=True)], "own dataset listed as shared")
    other.dataset_id = dataset_id
    expect(other.get_filenames() == client.get_filenames(), "the second user reads other file names")
    other.create_tag_from_filenames(NAMES[:2], "from-second-user")
    try:
        other.delete_dataset_by_id(dataset_id)
        raise AssertionError("the second user deleted the owner's dataset")
    except Exception as error:
        expect("404" in str(error), f"delete by the second user: {error}")
    client.share_dataset_only_with(dataset_id, [])
    expect(client.get_shared_users(dataset_id) == [], "revoking failed")
    expect(not other.dataset_exists(dataset_id), "the second user still sees the dataset after revoking")
    return user_2


@step("/v1/docker/* answers 404 naming winnow run, the Temporal worker and n8n")
def _():
    try:
        client.get_compute_workers()
        raise AssertionError("docker route answered")
    except Exception as error:
        text = str(error)
        expect("winnow run" in text and "Temporal" in text and "n8n" in text, f"message {text}")
    return "ok"


@step("every response shape validates against lightly 1.5.26's own model classes")
def _():
    from lightly.openapi_generated.swagger_client import models as m

    tag = client.get_tag_by_name("first-five")
    initial = client.get_tag_by_name("initial-tag")
    sample_id = client._mappings_api.get_sample_mappings_by_dataset_id(dataset_id=client.dataset_id, field="_id")[0]
    embedding_id = client.get_embedding_data_by_name("default").id
    score_id = raw("GET", f"tags/{initial.id}/scores")[0]["id"]
    job = raw("POST", f"embeddings/{embedding_id}/sampling", body={"newTagName": "shape-check", "method": "RANDOM", "config": {"stoppingCondition": {"nSamples": 2}}})
    arithmetic = {"tagId1": tag.id, "tagId2": initial.id, "operation": "INTERSECTION"}
    shapes = {
        "DatasetData": (m.DatasetData, [raw("GET", "")] + raw("GET", "/v1/datasets") + raw("GET", f"/v1/datasets/query/name/{STATE['name']}?exact=true") + STATE["shared_list"]),
        "SampleData": (m.SampleData, raw("GET", "samples") + [raw("GET", f"samples/{sample_id}")]),
        "SampleDataModes": (m.SampleDataModes, raw("GET", "samples/partial?mode=fileNames") + raw("GET", "samples/partial?mode=ids") + raw("GET", "samples/partial?mode=full")),
        "SampleWriteUrls": (m.SampleWriteUrls, [raw("GET", f"samples/{sample_id}/writeurls")]),
        "TagData": (m.TagData, raw("GET", "tags") + [raw("GET", f"tags/{tag.id}")]),
        "TagBitMaskResponse": (m.TagBitMaskResponse, [raw("POST", "tags/arithmetics/bitmask", body=arithmetic), raw("POST", "tags/arithmetics", body=arithmetic)]),
        "CreateEntityResponse": (m.CreateEntityResponse, [raw("POST", "tags", body={"name": "shape-tag", "prevTagId": initial.id, "bitMaskData": "0x3", "totSize": 16, "creator": "USER_PIP"})]),
        "DatasetEmbeddingData": (m.DatasetEmbeddingData, raw("GET", "embeddings")),
        "WriteCSVUrlData": (m.WriteCSVUrlData, [raw("GET", "embeddings/writeCSVUrl?name=shape-check")]),
        "AsyncTaskData": (m.AsyncTaskData, [job]),
        "JobStatusData": (m.JobStatusData, [raw("GET", f"/v1/jobs/{job['jobId']}")]),
        "ConfigurationData": (m.ConfigurationData, raw("GET", "configuration/metadata")),
        "TagActiveLearningScoresData": (m.TagActiveLearningScoresData, raw("GET", f"tags/{initial.id}/scores")),
        "ActiveLearningScoreData": (m.ActiveLearningScoreData, [raw("GET", f"tags/{initial.id}/scores/{score_id}")]),
        "LabelStudioTask": (m.LabelStudioTask, raw("GET", f"tags/{tag.id}/export/LabelStudio/tasks") + raw("GET", f"tags/{tag.id}/export/LabelStudio/tasks?includeMetaData=true")),
        "LabelBoxDataRow": (m.LabelBoxDataRow, raw("GET", f"tags/{tag.id}/export/LabelBox/datarows")),
        "LabelBoxV4DataRow": (m.LabelBoxV4DataRow, raw("GET", f"tags/{tag.id}/export/LabelBoxV4/datarows")),
        "FilenameAndReadUrl": (m.FilenameAndReadUrl, raw("GET", f"tags/{tag.id}/export/basic/filenamesAndReadUrls")),
        "DatasourceConfig": (m.DatasourceConfig, [STATE["s3_config"], raw("GET", "datasource")] + raw("GET", "datasource/all")),
        "DatasourceConfigVerifyData": (m.DatasourceConfigVerifyData, [raw("GET", "datasource/verify")]),
        "DivideAndConquerCursorData": (m.DivideAndConquerCursorData, [raw("GET", "datasource/list/dnc?from=0&to=9999999999&dncShards=4")]),
        "DatasourceRawSamplesData": (m.DatasourceRawSamplesData, [raw("GET", "datasource/list?cursor=" + raw("GET", "datasource/list/dnc")["cursors"][0])]),
        "DatasourceProcessedUntilTimestampResponse": (m.DatasourceProcessedUntilTimestampResponse, [raw("GET", "datasource/processedUntilTimestamp")]),
        "SharedAccessConfigData": (m.SharedAccessConfigData, STATE["access"]),
    }
    failures = {}
    for name, (model, bodies) in shapes.items():
        expect(len(bodies) > 0, f"no {name} body to check")
        for body in bodies:
            try:
                # from_json: the client's own parsing, which refuses unknown fields and checks every type and enum
                model.from_json(json.dumps(body))
            except Exception as error:
                failures.setdefault(name, f"{error} in {json.dumps(body)[:400]}")
    expect(not failures, f"bodies the client rejects: {failures}")
    return sorted(shapes)


@step("delete_dataset_by_id")
def _():
    client.delete_dataset_by_id(STATE["dataset_id"])
    expect(not client.dataset_exists(STATE["dataset_id"]), "still exists")
    return "ok"
