import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bitmaskFromIndices, indicesFromBitmask } from '../../src/tags';
import { bothPaths, call, dialects, startTempServer, type TempServer } from './helpers';

// A dataset whose metadata has what real uploads have: strings, integers, floats, booleans, nested paths, missing
// values, and a value of the wrong type now and then. Generated, because the point is the query logic.
const N = 240;
const SUBJECTS = ['cat', 'dog', 'bird', 'fish', 'horse'];
const names = Array.from({ length: N }, (_, i) => `${SUBJECTS[i % 5]}/img_${String(i).padStart(4, '0')}${i % 7 === 0 ? '_Night' : ''}.jpg`);
const meta = names.map((_, i) => {
  const m: Record<string, unknown> = { subject: SUBJECTS[i % 5], photo: { brightness: (i * 37) % 101 + (i % 3) / 4, iso: 100 * (1 + (i % 4)) } };
  if (i % 11 === 0) delete m.subject;
  if (i % 13 === 0) (m.photo as Record<string, unknown>).brightness = 'unknown';
  m.indoor = i % 2 === 0;
  return m;
});

type Meta = (typeof meta)[number];
const get = (m: Meta, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), m);
const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : null);
const number = (v: unknown) => (typeof v === 'number' ? v : null);

interface Query {
  tag?: number[];
  search?: string;
  subjects?: string[];
  brightness?: [number | null, number | null];
  indoor?: string[];
}

/** What the server must answer, computed here from the same data. */
function reference(q: Query, except?: string): number[] {
  const tag = q.tag === undefined ? null : new Set(q.tag);
  return names.flatMap((name, i) => {
    const m = meta[i];
    if (tag !== null && !tag.has(i)) return [];
    if (q.search !== undefined && !name.toLowerCase().includes(q.search.toLowerCase())) return [];
    if (q.subjects !== undefined && except !== 'subject' && !q.subjects.includes(text(get(m, 'subject')) ?? '')) return [];
    if (q.indoor !== undefined && except !== 'indoor' && !q.indoor.includes(text(get(m, 'indoor')) ?? '\u0000')) return [];
    if (q.brightness !== undefined && except !== 'photo.brightness') {
      const b = number(get(m, 'photo.brightness'));
      const [lo, hi] = q.brightness;
      if (b === null || (lo !== null && b < lo) || (hi !== null && b > hi)) return [];
    }
    return [i];
  });
}

function counts(indices: number[], path: string, fallback?: string): { value: string; count: number }[] {
  const byValue = new Map<string, number>();
  for (const i of indices) {
    const v = text(get(meta[i], path)) ?? fallback ?? null;
    if (v !== null) byValue.set(v, (byValue.get(v) ?? 0) + 1);
  }
  return [...byValue].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
}

describe.each(dialects())('sample query: filters, facets, histograms and pages in the store ($name)', (dialect) => {
  let server: TempServer;
  let datasetId: string;
  const tags: Record<string, { id: string; members: number[] }> = {};

  const query = async (q: Query, extra: Record<string, unknown> = {}) => {
    const filters: unknown[] = [];
    if (q.subjects !== undefined) filters.push({ field: 'metadata:subject', values: q.subjects });
    if (q.brightness !== undefined) filters.push({ field: 'metadata:photo.brightness', range: q.brightness });
    if (q.indoor !== undefined) filters.push({ field: 'metadata:indoor', values: q.indoor });
    const tagId = q.tag === undefined ? undefined : Object.values(tags).find((t) => t.members === q.tag)?.id;
    return bothPaths(() => call(server, 'POST', `/v1/datasets/${datasetId}/samples/query`, { tagId, search: q.search, filters, ...extra }));
  };

  beforeAll(async () => {
    server = await startTempServer(dialect);
    datasetId = (await call(server, 'POST', '/v1/datasets', { name: 'query-suite', type: 'Images' })).body.id;
    await call(server, 'POST', `/v1/datasets/${datasetId}/samples/batch`, { samples: names.map((fileName) => ({ fileName })) });
    const upload = await call(server, 'POST', `/v1/datasets/${datasetId}/customMetadata`, { images: names.map((file_name, id) => ({ id, file_name })), metadata: meta.map((m, image_id) => ({ image_id, ...m })) });
    expect(upload.status, JSON.stringify(upload.body)).toBeLessThan(300);
    for (const [name, members] of Object.entries({ small: names.map((_, i) => i).filter((i) => i % 9 === 1), large: names.map((_, i) => i).filter((i) => i % 10 !== 3) })) {
      const created = await call(server, 'POST', `/v1/datasets/${datasetId}/tags`, { name, bitMaskData: bitmaskFromIndices(members), prevTagId: null, totSize: N, creator: 'USER_PIP' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      tags[name] = { id: created.body.id, members };
    }
  });
  afterAll(() => server?.close());

  it('answers the total, a page in dataset order, facet counts under the other filters and histograms', async () => {
    const q: Query = { subjects: ['cat', 'dog'], brightness: [20, 80] };
    const body = await query(q, {
      facets: ['metadata:subject', 'metadata:indoor'],
      histograms: [{ field: 'metadata:photo.brightness', bins: 10 }],
      page: { offset: 5, size: 7 },
    });
    const expected = reference(q);
    expect(body.total).toBe(expected.length);
    expect(body.items.map((s: { index: number }) => s.index)).toEqual(expected.slice(5, 12));
    expect(body.items[0].fileName).toBe(names[expected[5]]);
    // The subject facet counts what the brightness filter lets through, the indoor facet what both let through.
    expect(body.facets['metadata:subject']).toEqual(counts(reference(q, 'subject'), 'subject'));
    expect(body.facets['metadata:indoor']).toEqual(counts(expected, 'indoor'));
    const all = meta.map((m) => number(get(m, 'photo.brightness'))).filter((b): b is number => b !== null);
    const extent = [Math.min(...all), Math.max(...all)];
    expect(body.histograms['metadata:photo.brightness'].extent).toEqual(extent);
    const bins = new Array(10).fill(0);
    for (const i of reference(q, 'photo.brightness')) {
      const b = number(get(meta[i], 'photo.brightness'));
      if (b !== null) bins[Math.min(9, Math.floor(((b - extent[0]) / (extent[1] - extent[0])) * 10))]++;
    }
    expect(body.histograms['metadata:photo.brightness'].counts).toEqual(bins);
  });

  it('matches an in-memory reference for any mix of tag, name search and filters, the members bitmask included', async () => {
    const subjects = fc.option(fc.subarray([...SUBJECTS, 'none']), { nil: undefined });
    const bound = fc.option(fc.integer({ min: 0, max: 100 }), { nil: null });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          tag: fc.constantFrom(undefined, 'small', 'large'),
          search: fc.constantFrom(undefined, 'night', 'IMG_00', 'cat/', '%', '_'),
          subjects,
          brightness: fc.option(fc.tuple(bound, bound), { nil: undefined }),
          indoor: fc.option(fc.subarray(['true', 'false']), { nil: undefined }),
        }),
        async (r) => {
          const q: Query = { ...r, tag: r.tag === undefined ? undefined : tags[r.tag].members };
          const body = await query(q, { members: true, page: { size: 3 }, facets: ['metadata:subject'] });
          const expected = reference(q);
          expect(body.total).toBe(expected.length);
          expect(indicesFromBitmask(body.members)).toEqual(expected);
          expect(body.items.map((s: { index: number }) => s.index)).toEqual(expected.slice(0, 3));
          expect(body.facets['metadata:subject']).toEqual(counts(reference(q, 'subject'), 'subject'));
        },
      ),
      { numRuns: 40, seed: 23 },
    );
  });

  it('gives samples without a value the configured default', async () => {
    const body = await query({ subjects: ['(none)'] }, { defaults: { 'metadata:subject': '(none)' }, facets: ['metadata:subject'] });
    expect(body.total).toBe(names.filter((_, i) => i % 11 === 0).length);
    expect(body.facets['metadata:subject']).toEqual(counts(names.map((_, i) => i), 'subject', '(none)').slice(0, 50));
  });

  it('restricts to a given bitmask (the selection) and follows a sample whose metadata is rewritten', async () => {
    const within = await query({ subjects: ['cat'] }, { within: bitmaskFromIndices([0, 1, 5, 10, 15]), members: true });
    expect(indicesFromBitmask(within.members)).toEqual([5, 10, 15].filter((i) => text(get(meta[i], 'subject')) === 'cat'));
    const { body: sample } = await call(server, 'GET', `/v1/datasets/${datasetId}/samples?pageOffset=1&pageSize=1`);
    const put = await call(server, 'PUT', `/v1/datasets/${datasetId}/samples/${sample[0].id}`, { customMetaData: { subject: 'zebra', photo: { brightness: 1000 } } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const after = await query({ subjects: ['zebra'] }, { members: true, histograms: [{ field: 'metadata:photo.brightness', bins: 2 }] });
    expect(indicesFromBitmask(after.members)).toEqual([1]);
    expect(after.histograms['metadata:photo.brightness'].extent[1]).toBe(1000);
    await call(server, 'PUT', `/v1/datasets/${datasetId}/samples/${sample[0].id}`, { customMetaData: { image_id: 1, ...meta[1] } });
    expect((await query({ subjects: ['zebra'] })).total).toBe(0);
  });

  it('refuses unknown fields, bad keys and tags of other datasets with a 400/404 naming the place', async () => {
    const url = `/v1/datasets/${datasetId}/samples/query`;
    const unknown = await call(server, 'POST', url, { filters: [{ field: 'nosuch:x', values: ['a'] }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/filters\[0\]\.field.*unknown field "nosuch:x".*metadata/);
    const badKey = await call(server, 'POST', url, { facets: ['metadata:a.."b'] });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error).toMatch(/facets\[0\]/);
    const noWhat = await call(server, 'POST', url, { filters: [{ field: 'metadata:subject' }] });
    expect(noWhat.status).toBe(400);
    expect((await call(server, 'POST', url, { tagId: 'f'.repeat(24) })).status).toBe(404);
    expect((await call(server, 'POST', `/v1/datasets/${'0'.repeat(24)}/samples/query`, {})).status).toBe(404);
  });
});
