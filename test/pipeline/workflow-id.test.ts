import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/pipeline/config';
import { canonicalJson, pipelineWorkflowId } from '../../src/pipeline/workflow-id';

const base = {
  dataset: 'Farm Animals',
  source: { bucket: 'raw', prefix: 'farm/' },
  select: 10,
  tag: { name: 'picked' },
  platform: { home: 'home' },
};

describe('pipelineWorkflowId', () => {
  it('is stable under key order and explicit defaults', () => {
    const a = parsePipelineConfig(base);
    const b = parsePipelineConfig({ platform: base.platform, tag: base.tag, select: base.select, source: { prefix: 'farm/', bucket: 'raw' }, dataset: base.dataset, embed: { batchSize: 32 } });
    expect(pipelineWorkflowId(a)).toBe(pipelineWorkflowId(b));
    expect(pipelineWorkflowId(a)).toMatch(/^winnow-farm-animals-[0-9a-f]{12}$/);
  });

  it('changes with the config', () => {
    const a = parsePipelineConfig(base);
    const b = parsePipelineConfig({ ...base, select: 11 });
    expect(pipelineWorkflowId(a)).not.toBe(pipelineWorkflowId(b));
  });

  it('canonicalJson sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}');
  });
});
