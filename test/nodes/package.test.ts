import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ICredentialType, INodeTypeBaseDescription, IVersionedNodeType, Themed } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  n8n: { nodes: string[]; credentials: string[] };
};

/** dist/nodes/X/X.node.js → nodes/X/X.node.ts: the source n8n's entry compiles from. */
const sourceOf = (distPath: string) => path.join(REPO, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

function iconFiles(icon: unknown, dir: string): string[] {
  const themed = icon as Themed<string>;
  const paths = typeof themed === 'string' ? [themed] : [themed.light, themed.dark];
  return paths.map((p) => path.join(dir, p.replace(/^file:/, '')));
}

describe('the n8n package', () => {
  it('registers every node folder and both credentials in package.json', () => {
    const folders = readdirSync(path.join(REPO, 'nodes')).filter((name) => name.startsWith('Winnow'));
    expect(pkg.n8n.nodes.map((entry) => entry.split('/')[2]).sort()).toEqual(folders.sort());
    expect(pkg.n8n.credentials).toEqual(['dist/credentials/WinnowApi.credentials.js', 'dist/credentials/WinnowS3.credentials.js']);
  });

  for (const entry of pkg.n8n.nodes) {
    it(`${path.basename(entry)}: versioned shell with light/dark icons, codex and a complete V1`, async () => {
      const source = sourceOf(entry);
      const module = (await import(source)) as Record<string, new () => IVersionedNodeType>;
      const className = path.basename(source, '.node.ts');
      const node = new module[className]();
      const base = node.description as INodeTypeBaseDescription;
      expect(base.name).toBe(className[0].toLowerCase() + className.slice(1));
      const [light, dark] = iconFiles(base.icon, path.dirname(source));
      expect(existsSync(light) && existsSync(dark)).toBe(true);
      expect(light).not.toBe(dark);

      const codex = JSON.parse(readFileSync(source.replace(/\.ts$/, '.json'), 'utf8')) as { node: string; categories: string[] };
      expect(codex.node).toBe(`${pkg.name}.${base.name}`);
      expect(codex.categories.length).toBeGreaterThan(0);

      const v1 = node.nodeVersions[1].description;
      expect(v1).toMatchObject({ version: 1, usableAsTool: true, inputs: ['main'], outputs: ['main'] });
      expect(v1.defaults.name).toBe(base.displayName);
      expect(node.nodeVersions[1].execute).toBeTypeOf('function');
    });
  }

  for (const entry of pkg.n8n.credentials) {
    it(`${path.basename(entry)}: icons, documentation, a test request and password fields`, async () => {
      const source = sourceOf(entry);
      const module = (await import(source)) as Record<string, new () => ICredentialType>;
      const credential = new module[path.basename(source, '.credentials.ts')]();
      for (const file of iconFiles(credential.icon, path.dirname(source))) expect(existsSync(file)).toBe(true);
      expect(credential.documentationUrl).toMatch(/^https:\/\//);
      expect(credential.test?.request.url).toBeTruthy();
      expect(credential.properties.some((p) => p.typeOptions?.password)).toBe(true);
    });
  }
});
