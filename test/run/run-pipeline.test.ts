import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoDataset, type DemoDataset } from '../../src/demo/generate-demo-dataset';
import { readEmbeddingRows } from '../../src/embeddings';
import { connectPlatform, createEmbeddedClient, openStore } from '../../src/platform';
import { syncLocalToS3 } from '../../src/s3';
import { runPipeline } from '../../src/run/run-pipeline';
import { createBucket, dropBucket, sharedMinio, uniqueBucket } from '../s3/minio-fixtures';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'bin', 'winnow.js');

/** Runs the built CLI on Node 24 (this process's runtime) and collects its output. */
function winnow(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

async function csvFileNames(file: string): Promise<string[]> {
  const names: string[] = [];
  for await (const row of readEmbeddingRows(file)) names.push(row.fileName);
  return names;
}

async function storeView(home: string, dataset: string, tag: string) {
  const store = await openStore({ home });
  const client = createEmbeddedClient(store, { home });
  try {
    const ds = await client.getDatasetByName(dataset);
    const fileNames = await client.getFilenames(ds.id);
    const tagged = await client.exportFilenamesByTagName(ds.id, tag);
    const samples = [];
    for await (const s of client.iterateSamples(ds.id)) samples.push(s);
    return { dataset: ds, fileNames, tagged, samples, tags: await client.getAllTags(ds.id) };
  } finally {
    await client.close();
    await store.close();
  }
}

describe('winnow run', () => {
  let work: string;
  let demo: DemoDataset;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'winnow-run-'));
    demo = await generateDemoDataset({ dir: path.join(work, 'data'), perGroup: 8, size: 96 });
  });

  it('takes a folder to a tagged selection in the embedded store, with CSV, samples and custom metadata', async () => {
    const home = path.join(work, 'home-folder');
    const connection = await connectPlatform({ home });
    try {
      const summary = await runPipeline({ input: demo.imagesDir, dataset: 'farm', metadataPath: demo.metadataPath, select: 10, strategy: 'coreset', connection });
      expect(summary.imagesFound).toBe(demo.images + demo.corruptFiles.length);
      expect(summary.embedded).toBe(demo.images);
      expect(summary.skipped.map((s) => s.file).sort()).toEqual(demo.corruptFiles);
      expect(summary.selected).toBe(10);
      expect(summary.tag.name).toBe('coreset-10');
      const names = await csvFileNames(summary.csvPath);
      expect(names).toHaveLength(demo.images);
      expect(names).toEqual([...names].sort());
    } finally {
      await connection.close();
    }
    const view = await storeView(home, 'farm', 'coreset-10');
    expect(view.fileNames).toHaveLength(demo.images);
    expect(view.tagged).toHaveLength(10);
    const sample = view.samples.find((s) => s.fileName === 'circles/circles_000.jpg');
    expect(sample?.customMetaData).toMatchObject({ weather: { scenario: expect.any(String), temperature: expect.any(Number) } });
    expect(sample?.thumbName).toBe('circles/circles_000_thumb.webp');
    // Near-duplicates are what a coreset selection must not pick in pairs.
    const picked = new Set(view.tagged);
    const pairs = view.tagged.filter((f) => f.endsWith('_copy.jpg') && picked.has(f.replace('_copy', '')));
    expect(pairs).toEqual([]);
  });

  it('reruns without duplicating samples, rows or tags', async () => {
    const home = path.join(work, 'home-rerun');
    const run = async () => {
      const connection = await connectPlatform({ home });
      try {
        return await runPipeline({ input: demo.imagesDir, dataset: 'again', select: 0.2, connection });
      } finally {
        await connection.close();
      }
    };
    const first = await run();
    const csvBytes = readFileSync(first.csvPath);
    const second = await run();
    expect(readFileSync(second.csvPath).equals(csvBytes)).toBe(true);
    expect(second.tag).toEqual(first.tag);
    const view = await storeView(home, 'again', first.tag.name);
    expect(view.fileNames).toHaveLength(demo.images);
    expect(view.tags.filter((t) => t.name === first.tag.name)).toHaveLength(1);
  });

  it('killed mid-embed (SIGKILL) and rerun, ends with the same CSV and tag as an uninterrupted run', async () => {
    const args = (home: string) => ['run', '--input', demo.imagesDir, '--dataset', 'crash', '--select', '12', '--batch-size', '4', '--home', home, '--json'];
    const straight = path.join(work, 'home-straight');
    const ok = await winnow(args(straight)).done;
    expect(ok.code, ok.stderr).toBe(0);
    const expected = JSON.parse(ok.stdout) as { csvPath: string; selected: number; tag: { name: string } };

    const crashed = path.join(work, 'home-crashed');
    const first = winnow(args(crashed));
    const partial = path.join(crashed, 'runs');
    // Kill as soon as some rows, but not all, are on disk.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const file = findPartial(partial);
        if (file && statSync(file).size > 0 && countLines(file) > 3) {
          clearInterval(timer);
          first.child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      first.done.then(() => {
        clearInterval(timer);
        reject(new Error('the run finished before it could be killed'));
      });
    });
    await first.done;
    const rowsAtKill = countLines(findPartial(partial)!) - 1;
    expect(rowsAtKill).toBeLessThan(demo.images);

    const resumed = await winnow(args(crashed)).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as { csvPath: string; selected: number; tag: { name: string } };
    expect(readFileSync(summary.csvPath).equals(readFileSync(expected.csvPath))).toBe(true);
    expect(summary.selected).toBe(12);
    const a = await storeView(straight, 'crash', expected.tag.name);
    const b = await storeView(crashed, 'crash', summary.tag.name);
    expect(b.fileNames).toEqual(a.fileNames);
    expect(b.tagged).toEqual(a.tagged);
  });

  describe('from a MinIO bucket', () => {
    const s3 = sharedMinio();
    const bucket = uniqueBucket('run');
    beforeAll(async () => {
      await createBucket(s3, bucket);
      await syncLocalToS3({ sourceDir: demo.imagesDir, target: `s3://${bucket}/farm/`, s3 });
    });
    afterAll(() => dropBucket(s3, bucket));

    it('syncs, embeds and tags the same selection as the folder run', async () => {
      const folderHome = path.join(work, 'home-cmp-folder');
      const bucketHome = path.join(work, 'home-cmp-bucket');
      const fromFolder = await winnow(['run', '--input', demo.imagesDir, '--dataset', 'cmp', '--select', '9', '--home', folderHome, '--json']).done;
      expect(fromFolder.code, fromFolder.stderr).toBe(0);
      const fromBucket = await winnow(
        ['run', '--input', `s3://${bucket}/farm/`, '--dataset', 'cmp', '--select', '9', '--endpoint', s3.endpoint!, '--path-style', '--home', bucketHome, '--json'],
        { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1' },
      ).done;
      expect(fromBucket.code, fromBucket.stderr).toBe(0);
      expect(fromBucket.stdout + fromBucket.stderr).not.toContain(s3.secretAccessKey);
      const a = JSON.parse(fromFolder.stdout) as { csvPath: string; tag: { name: string } };
      const b = JSON.parse(fromBucket.stdout) as { csvPath: string; tag: { name: string }; steps: { sync: { result: { downloaded: number } } } };
      expect(b.steps.sync.result.downloaded).toBe(demo.images + demo.corruptFiles.length);
      expect(readFileSync(b.csvPath).equals(readFileSync(a.csvPath))).toBe(true);
      const va = await storeView(folderHome, 'cmp', a.tag.name);
      const vb = await storeView(bucketHome, 'cmp', b.tag.name);
      expect(vb.tagged).toEqual(va.tagged);
      expect(vb.tagged).toHaveLength(9);
    });
  });

  it('exits 2 with a usage message on bad arguments, and 1 naming the step on a failure', async () => {
    const bad = await winnow(['run', '--input', demo.imagesDir, '--dataset', 'x', '--select', 'lots']).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--select');
    const home = path.join(work, 'home-fail');
    const failed = await winnow(['run', '--input', path.join(work, 'missing-folder'), '--dataset', 'x', '--home', home]).done;
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/step 1 \(check\) failed: image folder ".*missing-folder" not found/);
  });
});

/** The CSV of the run's first shard: `<home>/runs/<dataset folder>/runs/current/shards/shard-000000.csv`. */
function findPartial(runsDir: string): string | undefined {
  if (!existsSync(runsDir)) return undefined;
  for (const entry of readdirSync(runsDir)) {
    const file = path.join(runsDir, entry, 'runs', 'current', 'shards', 'shard-000000.csv');
    if (existsSync(file)) return file;
  }
  return undefined;
}

function countLines(file: string): number {
  return readFileSync(file, 'latin1').split('\n').length - 1;
}
