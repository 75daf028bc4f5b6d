import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixture-files';
import { clientEnv, lightlyPython, runClientScript, startLightlyTestServer, type LightlyTestServer, type StepResult } from './harness';

/**
 * Lightly's own Python clients, unpatched (lightly 1.5.26's ApiWorkflowClient, lightly 1.4.7's generated API), drive a
 * real `winnow serve` through a user's whole session. Each step the script reports becomes one test here, so a
 * failure names the client call that broke and shows the client's own error.
 */

// The steps each script must report, in order: a step that never ran (the script died) fails too.
const SESSION_1_5_26 = [
  'create_dataset',
  'dataset reads: dataset_exists, get_dataset_by_id, get_datasets, get_datasets_by_name, set_dataset_id_by_name',
  'create_new_dataset_with_unique_name',
  'create samples, upload images through writeurl / writeurls, initial tag',
  'thumbnails: readurl?type=thumbnail serves a WebP for every sample',
  'upload_embeddings',
  'append_embeddings (new samples, merged with the uploaded rows)',
  'upload_custom_metadata and create_custom_metadata_config',
  'tags: get_all_tags, get_tag_by_name, create_tag_from_filenames, get_filenames_in_tag, delete',
  'upload_scores on initial-tag, read them back',
  'selection CORESET',
  'selection RANDOM',
  'selection ACTIVE_LEARNING reads the uploaded scores',
  'selection CORAL (coreset + uploaded scores)',
  'exports: export_filenames_by_tag_name, export_filenames_and_read_urls_by_tag_name',
  'exports: Label Studio tasks and Labelbox data rows with image URLs that open',
  'download_dataset writes every image',
  'S3 datasource on MinIO: set_s3_config, get_datasource (secret redacted), permissions',
  'datasource listing: download_raw_samples, download_new_raw_samples, processed-until timestamp, predictions and metadata files',
  'datasource types: LOCAL accepted (confined to the root), GCS / AZURE / S3DelegatedAccess / OBS refused',
  'share_dataset_only_with, get_shared_users, get_datasets(shared=True), access both ways',
  '/v1/docker/* answers 404 naming winnow run, the Temporal worker and n8n',
  "every response shape validates against lightly 1.5.26's own model classes",
  'delete_dataset_by_id',
];

/** One test per step a script reports, plus one that the script reported exactly the expected steps. */
function expectSteps(expected: string[], results: () => { steps: StepResult[]; stderr: string }): void {
  for (const name of expected) {
    it(name, () => {
      const { steps, stderr } = results();
      const result = steps.find((s) => s.step === name);
      if (result === undefined) throw new Error(`the script never reported this step; its stderr:\n${stderr.slice(-3000)}`);
      expect(result.ok, `${result.error}\n${result.trace ?? ''}`).toBe(true);
    });
  }
  it('reports exactly the expected steps', () => {
    expect(results().steps.map((s) => s.step)).toEqual(expected);
  });
}

function describeScript(title: string, version: '1.5.26' | '1.4.7', script: string, expected: string[]): void {
  describe(title, () => {
    let server: LightlyTestServer | undefined;
    let work: string | undefined;
    let results = { steps: [] as StepResult[], stderr: '' };
    beforeAll(async () => {
      const python = lightlyPython(version);
      server = await startLightlyTestServer();
      work = await mkdtemp(path.join(tmpdir(), 'winnow-lightly-work-'));
      results = await runClientScript(python, script, clientEnv(server, work));
    }, 300_000);
    afterAll(async () => {
      await server?.close();
      if (work !== undefined) await rm(work, { recursive: true, force: true });
    });
    expectSteps(expected, () => results);
  });
}

const UPLOAD_1_4_7 = ['full', 'thumbnails', 'metadata'].map((mode) => `upload_dataset(mode='${mode}') stores what the mode uploads`);

describeScript("lightly 1.5.26's ApiWorkflowClient: a user's whole session", '1.5.26', 'session_1_5_26.py', SESSION_1_5_26);
describeScript("lightly 1.4.7's upload_dataset calls (generated API): images and thumbnails in every mode", '1.4.7', 'upload_1_4_7.py', UPLOAD_1_4_7);

describe("test/fixtures/lightly against lightly 1.5.26's own writers (save_embeddings, save_custom_metadata)", () => {
  let work: string | undefined;
  let results = { steps: [] as StepResult[], stderr: '' };
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'winnow-lightly-fixtures-'));
    results = await runClientScript(lightlyPython('1.5.26'), 'fixtures_1_5_26.py', { WINNOW_FIXTURES: path.join(FIXTURES, 'lightly'), WINNOW_WORK: work });
  }, 120_000);
  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });
  expectSteps(
    [
      "embeddings_small.csv is what lightly's save_embeddings writes",
      "embeddings_1000x32.csv is what lightly's save_embeddings writes",
      "custom_metadata.json holds what lightly's save_custom_metadata writes",
    ],
    () => results,
  );
});
