import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors';
import { parsePipelineConfig, readPipelineConfigFile } from '../../src/pipeline/config';

const minimal = {
  dataset: 'cats',
  source: { bucket: 'raw', prefix: 'cats/' },
  select: 10,
  tag: { name: 'nightly-{date}' },
  platform: { home: '.winnow' },
};

describe('parsePipelineConfig', () => {
  it('fills in embed defaults and incremental=false', () => {
    const config = parsePipelineConfig(minimal);
    expect(config.embed).toEqual({ batchSize: 32, shardSize: 1000, maxParallelShards: 4 });
    expect(config.incremental).toBe(false);
    expect(config.source).toEqual({ bucket: 'raw', prefix: 'cats/' });
  });

  it('keeps explicit embed options and fills the missing ones', () => {
    const config = parsePipelineConfig({ ...minimal, embed: { shardSize: 50 } });
    expect(config.embed).toEqual({ batchSize: 32, shardSize: 50, maxParallelShards: 4 });
  });

  it('does not mutate its input', () => {
    const input = structuredClone(minimal);
    parsePipelineConfig(input);
    expect(input).toEqual(minimal);
  });

  it('rejects keys in the config: only profile names are allowed', () => {
    expect(() => parsePipelineConfig({ ...minimal, source: { bucket: 'raw', secretAccessKey: 'x' } })).toThrow(/source/);
  });

  it('names the bad field', () => {
    expect(() => parsePipelineConfig({ ...minimal, embed: { batchSize: 0 } })).toThrow(InvalidInputError);
    expect(() => parsePipelineConfig({ ...minimal, embed: { batchSize: 0 } })).toThrow(/embed\/batchSize/);
    expect(() => parsePipelineConfig({ ...minimal, source: { bucket: 'raw', profile: 'has space' } })).toThrow(/profile/);
  });

  it('takes an S3 staging location (by profile, never keys) for workers without a shared disk', () => {
    const staging = { bucket: 'winnow-staging', prefix: 'runs/', profile: 'lake' };
    expect(parsePipelineConfig({ ...minimal, staging }).staging).toEqual(staging);
    expect(parsePipelineConfig(minimal).staging).toBeUndefined();
    expect(() => parsePipelineConfig({ ...minimal, staging: { prefix: 'runs/' } })).toThrow(/staging/);
    expect(() => parsePipelineConfig({ ...minimal, staging: { bucket: 'b', secretAccessKey: 'x' } })).toThrow(/staging/);
  });
});

describe('example pipeline configs', () => {
  it.each(['single-machine.json', 'scale-out-staging.json', 'active-learning.json'])('examples/pipelines/%s is valid', async (name) => {
    const config = await readPipelineConfigFile(path.join(__dirname, '..', '..', 'examples', 'pipelines', name));
    expect(config.dataset).toBe('farm');
    expect('staging' in config).toBe(name.includes('staging'));
  });
});

describe('readPipelineConfigFile', () => {
  it('reports the line and column of a JSON syntax error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'winnow-config-'));
    const file = path.join(dir, 'pipeline.json');
    writeFileSync(file, '{\n  "dataset": "cats",\n  "source": {,}\n}\n');
    await expect(readPipelineConfigFile(file)).rejects.toThrow(new RegExp(`${file}:3:\\d+: invalid JSON`));
  });

  it('reads a valid file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'winnow-config-'));
    const file = path.join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify(minimal));
    await expect(readPipelineConfigFile(file)).resolves.toMatchObject({ dataset: 'cats', embed: { batchSize: 32 } });
  });
});
