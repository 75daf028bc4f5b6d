import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '..', '..');

/**
 * Packs the package as npm would publish it, unpacks the tarball into a project of its own and `require`s it there:
 * `main` and `types` must name real files of the tarball, and the engine's documented functions must be exported.
 * The dependencies come from this checkout's node_modules (NODE_PATH), so the test needs no registry.
 */
describe('the packed package', () => {
  it('can be required by name, with types, exporting the engine API', { timeout: 300_000 }, () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-pack-'));
    // --ignore-scripts: `prepare` would rebuild dist/, which the global setup has just built.
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: REPO, encoding: 'utf8' })) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = new Set(packed[0].files.map((f) => f.path));
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { name: string; main: string; types: string; bin: Record<string, string> };
    expect(files).toContain(pkg.main);
    expect(files).toContain(pkg.types);
    for (const bin of Object.values(pkg.bin)) expect(files).toContain(bin);

    const project = path.join(tmp, 'project');
    const installed = path.join(project, 'node_modules', pkg.name);
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(tmp, packed[0].filename), '-C', installed, '--strip-components=1']);
    const script = `
      const winnow = require(${JSON.stringify(pkg.name)});
      const names = ['embedImages', 'loadEmbeddingMatrix', 'selectSamples', 'syncS3ToLocal', 'readCustomMetadataFile', 'connectPlatform',
        'createPlatformServer', 'parsePipelineConfig', 'runPipeline', 'openRunFiles', 'checkStep', 'syncStep', 'embedStep', 'saveStep',
        'metadataStep', 'selectStep', 'tagStep', 'findDatapool', 'WinnowError', 'saveEmbeddings', 'storeEmbeddings', 'uploadMetadataFile',
        'predictFolder', 'storePredictions', 'healthOfFiles', 'selectFiles', 'tagFiles', 'tagFileNames'];
      const missing = names.filter((name) => typeof winnow[name] !== 'function');
      process.stdout.write(JSON.stringify({ missing, config: winnow.parsePipelineConfig({ dataset: 'd', source: { folder: 'f' }, select: 0.5, tag: { name: 't' }, platform: { home: 'h' } }) }));
    `;
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { cwd: project, env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules') }, encoding: 'utf8' }),
    ) as { missing: string[]; config: { embed: { batchSize: number } } };
    expect(out.missing).toEqual([]);
    expect(out.config.embed.batchSize).toBe(32);
  });
});
