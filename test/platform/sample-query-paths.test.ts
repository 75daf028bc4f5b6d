import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binEdges } from '../../src/platform/service/sample-query';
import { bitmaskFromIndices, indicesFromBitmask } from '../../src/tags';
import { bothPaths, call, dialects, startServer, tempHome, type RunningServer } from './helpers';

// The sample query's fast paths (Explore at 100,000 samples): histograms without other filters counted as index
// ranges between exact bin edges, facet and histogram defaults from the window count instead of a second pass, field
// filters intersected straight from the value index, and a page asked for by its samples' indices. Each must answer
// what the plain definition does; generated data, because the point is the query logic.
const N = 300;
const SHADES = ['red', 'green', 'blue', 'grey'];
const names = Array.from({ length: N }, (_, i) => `${SHADES[i % 4]}/img_${String(i).padStart(4, '0')}.jpg`);
const meta = names.map((_, i) => {
  const m: Record<string, unknown> = { shade: SHADES[i % 4], level: ((i * 53) % 97) / 7 - 3 };
  if (i % 6 === 0) delete m.level;
  if (i % 9 === 0) delete m.shade;
  if (i % 17 === 0) m.level = 'n/a';
  return m;
});
const LEVEL_DEFAULT = 2;
const SHADE_DEFAULT = '(none)';
const level = (i: number) => (typeof meta[i].level === 'number' ? (meta[i].level as number) : null);
const hasLevelRow = (i: number) => meta[i].level !== undefined;
const shade = (i: number) => (typeof meta[i].shade === 'string' ? (meta[i].shade as string) : null);

/** Histogram of the samples `among`, as the query defines it: floor((v − lo) · scale), defaults for samples without a row. */
function histogram(among: number[], lo: number, hi: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const scale = bins / (hi - lo || 1);
  for (const i of among) {
    const v = hasLevelRow(i) ? level(i) : LEVEL_DEFAULT;
    if (v !== null && v >= lo && v <= hi) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) * scale)))]++;
  }
  return counts;
}

function facet(among: number[]): { value: string; count: number }[] {
  const byValue = new Map<string, number>();
  for (const i of among) byValue.set(shade(i) ?? SHADE_DEFAULT, (byValue.get(shade(i) ?? SHADE_DEFAULT) ?? 0) + 1);
  return [...byValue].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
}

describe('bin edges', () => {
  it('put every value in the bin floor((v − lo) · scale) gives it, in double arithmetic', () => {
    const finite = { noNaN: true, noDefaultInfinity: true };
    fc.assert(
      fc.property(
        fc.double({ ...finite, min: -1e6, max: 1e6 }),
        fc.oneof(fc.constant(0), fc.double({ ...finite, min: 1e-9, max: 1e6 })),
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.double({ noNaN: true, min: 0, max: 1 }), { maxLength: 40 }),
        (lo, width, bins, fractions) => {
          const hi = lo + width;
          const edges = binEdges(lo, hi, bins);
          const scale = bins / (hi - lo || 1);
          const values = [lo, hi, ...fractions.map((f) => lo + f * (hi - lo)), ...edges.filter((e): e is number => e !== null)].filter((v) => v >= lo && v <= hi);
          for (const v of values) {
            const expected = Math.min(bins - 1, Math.floor((v - lo) * scale));
            const found = edges.findIndex((from, k) => from !== null && v >= from && (edges[k + 1] == null ? v <= hi : v < (edges[k + 1] as number)));
            expect(found, `${v} in [${lo}, ${hi}] / ${bins}`).toBe(expected);
          }
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
    expect(binEdges(0, 8, 4)).toEqual([0, 2, 4, 6]);
    // 7.499999999999999 · 0.4 rounds to 3: that value is in the last bin already, and so is the edge.
    expect(binEdges(0, 10, 4)).toEqual([0, 2.5, 5, 7.499999999999999]);
  });
});

describe.each(dialects())('sample query fast paths ($name)', (dialect) => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let datasetId: string;
  const defaults = { 'metadata:level': LEVEL_DEFAULT, 'metadata:shade': SHADE_DEFAULT };
  const query = async (body: Record<string, unknown>) => {
    return bothPaths(() => call(server, 'POST', `/v1/datasets/${datasetId}/samples/query`, { defaults, ...body }));
  };

  beforeAll(async () => {
    const home = await tempHome();
    cleanup = async () => {
      await dialect.dispose(home.home);
      await home.cleanup();
    };
    server = await startServer(home.home, { open: dialect.open });
    datasetId = (await call(server, 'POST', '/v1/datasets', { name: 'query-paths', type: 'Images' })).body.id;
    await call(server, 'POST', `/v1/datasets/${datasetId}/samples/batch`, { samples: names.map((fileName) => ({ fileName })) });
    const upload = await call(server, 'POST', `/v1/datasets/${datasetId}/customMetadata`, { images: names.map((file_name, id) => ({ id, file_name })), metadata: meta.map((m, image_id) => ({ image_id, ...m })) });
    expect(upload.status, JSON.stringify(upload.body)).toBeLessThan(300);
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  const all = names.map((_, i) => i);
  const levels = all.flatMap((i) => (level(i) === null ? [] : [level(i) as number]));
  const extent: [number, number] = [Math.min(...levels, LEVEL_DEFAULT), Math.max(...levels, LEVEL_DEFAULT)];

  it('counts a histogram without other filters by index ranges, with the default for samples without a value', async () => {
    for (const bins of [1, 7, 24]) {
      const body = await query({ histograms: [{ field: 'metadata:level', bins }], page: { size: 0 } });
      expect(body.histograms['metadata:level'].extent).toEqual(extent);
      expect(body.histograms['metadata:level'].counts).toEqual(histogram(all, extent[0], extent[1], bins));
    }
    // Its own filter does not count against it; a given extent that leaves values and the default out.
    const own = await query({ filters: [{ field: 'metadata:level', range: [0, null] }], histograms: [{ field: 'metadata:level', extent: [-1, 1.5], bins: 5 }] });
    expect(own.histograms['metadata:level'].counts).toEqual(histogram(all, -1, 1.5, 5));
  });

  it('counts facets and histograms under the other filters, defaults included, without a second pass', async () => {
    const chosen = ['red', SHADE_DEFAULT];
    const inShades = all.filter((i) => chosen.includes(shade(i) ?? SHADE_DEFAULT));
    const inRange = all.filter((i) => {
      const v = hasLevelRow(i) ? level(i) : LEVEL_DEFAULT;
      return v !== null && v >= 1;
    });
    const body = await query({
      filters: [
        { field: 'metadata:shade', values: chosen },
        { field: 'metadata:level', range: [1, null] },
      ],
      facets: ['metadata:shade'],
      histograms: [{ field: 'metadata:level', bins: 6, extent }],
      members: true,
    });
    const both = inShades.filter((i) => inRange.includes(i));
    expect(body.total).toBe(both.length);
    expect(indicesFromBitmask(body.members)).toEqual(both);
    expect(body.facets['metadata:shade']).toEqual(facet(inRange));
    expect(body.histograms['metadata:level'].counts).toEqual(histogram(inShades, extent[0], extent[1], 6));
  });

  it('intersects field filters from the index, and pages by offset or by the samples’ indices', async () => {
    const blue = all.filter((i) => shade(i) === 'blue');
    const low = all.filter((i) => level(i) !== null && (level(i) as number) <= 4);
    const both = blue.filter((i) => low.includes(i));
    const filters = [
      { field: 'metadata:shade', values: ['blue'] },
      { field: 'metadata:level', range: [null, 4] },
    ];
    // No defaults: both filters are plain index sets.
    const counted = await query({ filters, defaults: {}, page: { offset: 3, size: 4 } });
    expect(counted.total).toBe(both.length);
    expect(counted.items.map((s: { index: number }) => s.index)).toEqual(both.slice(3, 7));
    // What the web app asks while scrolling a filtered grid: exactly the samples of one page, by index.
    const page = both.slice(2, 6);
    const byIndex = await query({ within: bitmaskFromIndices(page), page: { size: 200 } });
    expect(byIndex.items.map((s: { index: number; fileName: string }) => [s.index, s.fileName])).toEqual(page.map((i) => [i, names[i]]));
  });
});

// The unfiltered panel reads counts kept ahead on every write (sample_value_counts): after metadata is created with
// the samples, uploaded again, rewritten one sample at a time (a value turned from number to text, leaves removed)
// and more samples added, they must still be what a pass over the samples gives.
describe.each(dialects())('counted-ahead values after writes ($name)', (dialect) => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let datasetId: string;
  const model: Record<string, unknown>[] = [];
  const fileNames: string[] = [];
  const fields = { facets: ['metadata:kind', 'metadata:size'], histograms: [{ field: 'metadata:size', bins: 5 }], page: { size: 0 } };

  /** The unfiltered panel from the model: facet counts of kind and size (as text), size's extent and histogram. */
  function expected(defaults: { kind?: string; size?: number }) {
    const facetOf = (key: string, fallback: string | undefined) => {
      const byValue = new Map<string, number>();
      for (const m of model) {
        const v = m[key] === undefined ? fallback : String(m[key]);
        if (v !== undefined) byValue.set(v, (byValue.get(v) ?? 0) + 1);
      }
      return [...byValue].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    };
    const sizes = model.flatMap((m) => (typeof m.size === 'number' ? [m.size] : m.size === undefined && defaults.size !== undefined ? [defaults.size] : []));
    const lo = Math.min(...sizes);
    const hi = Math.max(...sizes);
    const counts = new Array<number>(5).fill(0);
    for (const v of sizes) counts[Math.min(4, Math.floor((v - lo) * (5 / (hi - lo || 1))))]++;
    return {
      facets: { 'metadata:kind': facetOf('kind', defaults.kind), 'metadata:size': facetOf('size', defaults.size === undefined ? undefined : String(defaults.size)) },
      histograms: { 'metadata:size': { extent: [lo, hi], counts } },
    };
  }
  const check = async (step: string) => {
    for (const defaults of [{}, { kind: 'none', size: 7 }]) {
      const response = await call(server, 'POST', `/v1/datasets/${datasetId}/samples/query`, {
        ...fields,
        defaults: Object.fromEntries(Object.entries(defaults).map(([k, v]) => [`metadata:${k}`, v])),
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect({ facets: response.body.facets, histograms: response.body.histograms }, `${step}, defaults ${JSON.stringify(defaults)}`).toEqual(expected(defaults));
    }
  };
  const addSamples = async (count: number, meta: (i: number) => Record<string, unknown>) => {
    const start = fileNames.length;
    const samples = Array.from({ length: count }, (_, k) => ({ fileName: `s/${String(start + k).padStart(3, '0')}.jpg`, customMetaData: meta(start + k) }));
    const response = await call(server, 'POST', `/v1/datasets/${datasetId}/samples/batch`, { samples });
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
    for (const s of samples) {
      fileNames.push(s.fileName);
      model.push(s.customMetaData);
    }
  };

  beforeAll(async () => {
    const home = await tempHome();
    cleanup = async () => {
      await dialect.dispose(home.home);
      await home.cleanup();
    };
    server = await startServer(home.home, { open: dialect.open });
    datasetId = (await call(server, 'POST', '/v1/datasets', { name: 'counts-ahead', type: 'Images' })).body.id;
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  it('stay what a pass over the samples gives', async () => {
    await addSamples(40, (i) => ({ kind: ['a', 'b', 'c'][i % 3], size: i % 8 }));
    await check('created with the samples');
    // Uploaded again for a part: values change, kind disappears from some, size becomes text on one.
    const upload = model.map((m, i) => (i % 2 === 0 ? { ...(i % 4 === 0 ? {} : { kind: 'd' }), size: i === 6 ? '6' : (i % 8) + 10 } : m));
    const response = await call(server, 'POST', `/v1/datasets/${datasetId}/customMetadata`, {
      images: fileNames.map((file_name, id) => ({ id, file_name })),
      metadata: upload.map((m, image_id) => ({ image_id, ...m })),
    });
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
    // The upload stores image_id beside the fields; the counts of other paths are not asked here.
    upload.forEach((m, i) => (model[i] = m));
    await check('after an upload');
    const { body: list } = await call(server, 'GET', `/v1/datasets/${datasetId}/samples?pageOffset=0&pageSize=100`);
    const id = (fileName: string) => list.find((s: { fileName: string }) => s.fileName === fileName).id;
    for (const [i, meta] of [[3, { kind: 'zebra', size: 'big' }], [5, {}], [9, { size: 99.5 }]] as const) {
      const put = await call(server, 'PUT', `/v1/datasets/${datasetId}/samples/${id(fileNames[i])}`, { customMetaData: meta });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      model[i] = meta;
    }
    await check('after rewriting single samples');
    await addSamples(12, (i) => (i % 3 === 0 ? {} : { kind: 'a', size: -i }));
    await check('after more samples');
    // Row for row what grouping the value rows gives (image_id included), no count left at 0.
    const { db } = server.store;
    const grouped = await sql<{ path: string; text_value: string; num_value: number | null; n: number | string }>`
      select path, text_value, min(num_value) as num_value, count(*) as n from sample_values where dataset_id = ${datasetId}
      group by path, text_value, case when num_value is null then 0 else 1 end order by 1, 2, 3`.execute(db);
    const kept = await sql<{ path: string; text_value: string; num_value: number | null; n: number | string }>`
      select path, text_value, num_value, n from sample_value_counts where dataset_id = ${datasetId} order by 1, 2, 3`.execute(db);
    const plain = (rows: { path: string; text_value: string; num_value: number | null; n: number | string }[]) =>
      rows.map((r) => ({ ...r, num_value: r.num_value === null ? null : Number(r.num_value), n: Number(r.n) }));
    expect(plain(kept.rows)).toEqual(plain(grouped.rows));
  });

  it('indexes file names by trigrams on PostgreSQL, so a name search reads the index (SQLite scans in process)', async () => {
    const { db, dialect: store } = server.store;
    const index =
      store === 'postgres'
        ? await sql`select indexdef from pg_indexes where schemaname = current_schema() and indexname = 'samples_file_name_trigram_index'`.execute(db)
        : await sql`select name from sqlite_master where name = 'samples_file_name_trigram_index'`.execute(db);
    expect(index.rows).toHaveLength(store === 'postgres' ? 1 : 0);
    const found = await call(server, 'POST', `/v1/datasets/${datasetId}/samples/query`, { search: '/00', members: true });
    expect(indicesFromBitmask(found.body.members)).toEqual(fileNames.flatMap((name, i) => (name.includes('/00') ? [i] : [])));
  });
});
