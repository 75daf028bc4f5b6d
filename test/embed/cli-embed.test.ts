import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatSummary, registerEmbed } from '../../src/cli/commands/embed';
import { registerModelsCommand } from '../../src/cli/commands/models';
import { createProgram, runProgram } from '../../src/cli/program';
import { tempDir, noisy, writeImage } from './images';
import { writeFile } from 'node:fs/promises';
import { TINY_CONFIG, writeTinyModel } from './tiny-model';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  for (let i = 0; i < 3; i++) await writeImage(path.join(dir, 'images', `a${i}.jpg`), noisy(i).jpeg());
  await writeFile(path.join(dir, 'images', 'broken.jpg'), Buffer.alloc(0));
  await writeTinyModel(path.join(dir, 'tiny.onnx'), path.join(dir, 'tiny.json'));
});
afterAll(() => cleanup());

async function run(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  process.exitCode = undefined;
  try {
    await runProgram(createProgram([registerEmbed, registerModelsCommand], '0.0.0'), ['node', 'winnow', ...args]);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stdout: out.join(''), stderr: err.join(''), exitCode };
}

describe('winnow embed', () => {
  it('embeds a folder with a custom model and prints the summary with skipped reasons', async () => {
    const csv = path.join(dir, 'out.csv');
    const args = ['embed', path.join(dir, 'images'), '--out', csv, '--model', path.join(dir, 'tiny.onnx')];
    const { stdout, stderr, exitCode } = await run([...args, '--model-config', path.join(dir, 'tiny.json'), '--batch-size', '2', '--threads', '1']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^Embedded 3 of 4 files in [\d.]+ s/);
    expect(stdout).toContain(`Model: ${TINY_CONFIG.id}, 8-d`);
    expect(stdout).toContain('Skipped 1:\n  broken.jpg: empty file (0 bytes)\n');
    expect(stdout).toContain(`CSV: ${csv}\n`);
    expect(stderr).toMatch(/embed: 4\/4/); // progress lines off a terminal

    const again = await run([...args, '--model-config', path.join(dir, 'tiny.json'), '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ embedded: 0, alreadyPresent: 3, total: 4 });
  });

  it('exits 2 for bad arguments and 1 for a failing step', async () => {
    const usage = await run(['embed', dir, '--out', path.join(dir, 'x.csv'), '--batch-size', '0']);
    expect(usage).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--batch-size must be a positive integer') });
    const threads = await run(['embed', dir, '--out', path.join(dir, 'x.csv'), '--threads', 'two']);
    expect(threads).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--threads must be a positive integer, got "two"') });
    const failed = await run(['embed', dir, '--out', path.join(dir, 'x.csv'), '--model', path.join(dir, 'tiny.onnx')]);
    expect(failed).toMatchObject({ exitCode: 1, stderr: expect.stringContaining('needs a model config') });
  });
});

describe('winnow models', () => {
  it('lists the built-in models with dimension, size and speed, the default first', async () => {
    const { stdout, exitCode } = await run(['models', '--images', '8', '--json']);
    expect(exitCode).toBe(0);
    const models = JSON.parse(stdout) as Array<{ name: string; isDefault: boolean; dim: number; bytes: number; imagesPerSecond: number }>;
    expect(models.map((m) => [m.name, m.isDefault, m.dim])).toEqual([
      ['efficientnet-lite0', true, 1280],
      ['nsfwjs-mobilenet_v2', false, 1280],
    ]);
    expect(models[0].bytes).toBe(18_614_293);
    for (const m of models) expect(m.imagesPerSecond).toBeGreaterThan(0);
    const text = await run(['models', '--no-measure']);
    expect(text.stdout).toMatch(/^efficientnet-lite0 \(default\): 1280-d, 18\.6 MB\n/);
  });

  it('names the built-in models when --model is unknown', async () => {
    const failed = await run(['embed', dir, '--out', path.join(dir, 'y.csv'), '--model', 'resnet']);
    expect(failed).toMatchObject({ exitCode: 1, stderr: expect.stringContaining('built-in models: efficientnet-lite0, nsfwjs-mobilenet_v2') });
  });
});

describe('formatSummary', () => {
  it('mentions resumed rows only when there are some', () => {
    const base = { csvPath: 'e.csv', total: 2, embedded: 2, alreadyPresent: 0, skipped: [], dim: 4, modelId: 'm', seconds: 2 };
    expect(formatSummary(base)).toBe('Embedded 2 of 2 files in 2.0 s (1.0 images/s)\nModel: m, 4-d\nCSV: e.csv\n');
    expect(formatSummary({ ...base, alreadyPresent: 5 })).toContain('Already in the CSV (resumed): 5\n');
  });
});
