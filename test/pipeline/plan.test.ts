import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesTagTemplate, planShards, renderTagName, shardFileName, splitIntoShards } from '../../src/pipeline/plan';

describe('splitIntoShards / planShards', () => {
  it('splits in order with a short last shard', () => {
    expect(splitIntoShards(['a', 'b', 'c'], 2)).toEqual([
      { index: 0, files: ['a', 'b'] },
      { index: 1, files: ['c'] },
    ]);
    expect(planShards(5, 2)).toEqual([
      { index: 0, offset: 0, count: 2 },
      { index: 1, offset: 2, count: 2 },
      { index: 2, offset: 4, count: 1 },
    ]);
    expect(planShards(0, 10)).toEqual([]);
  });

  it('covers every file exactly once, in order, and agrees with planShards', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (files, size) => {
        const shards = splitIntoShards(files, size);
        expect(shards.flatMap((s) => s.files)).toEqual(files);
        expect(shards.every((s) => s.files.length <= size && s.files.length > 0)).toBe(true);
        const ranges = planShards(files.length, size);
        expect(ranges.map((r) => files.slice(r.offset, r.offset + r.count))).toEqual(shards.map((s) => s.files));
      }),
    );
  });

  it('rejects a non-positive shard size', () => {
    expect(() => planShards(3, 0)).toThrow(RangeError);
    expect(() => splitIntoShards(['a'], 1.5)).toThrow(RangeError);
  });
});

describe('shardFileName / renderTagName', () => {
  it('sorts shard names in merge order', () => {
    const names = [10, 2, 1000, 0].map(shardFileName);
    expect([...names].sort()).toEqual([0, 2, 10, 1000].map(shardFileName));
  });

  it('fills {date} with the UTC start date', () => {
    expect(renderTagName('nightly-{date}', new Date('2026-11-26T23:30:00Z'))).toBe('nightly-2026-11-26');
    expect(renderTagName('fixed', new Date())).toBe('fixed');
    expect(renderTagName('run-{date}-{time}', new Date('2026-11-26T02:03:04.567Z'))).toBe('run-2026-11-26-020304');
  });

  it('recognises the tags an earlier run rendered from the same template', () => {
    expect(matchesTagTemplate('nightly-{date}', 'nightly-2026-11-25')).toBe(true);
    expect(matchesTagTemplate('n.{date}-{time}', 'n.2026-11-25-235959')).toBe(true);
    expect(matchesTagTemplate('n.{date}', 'nX2026-11-25')).toBe(false);
    expect(matchesTagTemplate('nightly-{date}', 'nightly-2026-11-25-extra')).toBe(false);
    expect(matchesTagTemplate('fixed', 'fixed')).toBe(false);
  });

  it('reads * as any text, so a name prefix p is the template p*', () => {
    expect(matchesTagTemplate('picks-*', 'picks-monday')).toBe(true);
    expect(matchesTagTemplate('picks-*', 'picks-')).toBe(true);
    expect(matchesTagTemplate('picks-*', 'other-picks-monday')).toBe(false);
    expect(matchesTagTemplate('a.b*', 'aXb1')).toBe(false);
  });
});
