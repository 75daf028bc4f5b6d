import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldColumns, NO_VALUE, NUMBER_VALUE, valuesVersion } from '../../src/platform/service/field-columns';
import { indicesFromBitmask } from '../../src/tags';
import { bothPaths, call, dialects, startServer, tempHome, type RunningServer } from './helpers';

// A server holds field values in memory (field-columns.ts) and answers filtered queries from them. Each answer must
// be what the store holds when it is asked: after a write through this server, and after a write through another
// server on the same database (another process), which this one learns of only from sample_value_versions.
const N = 60;
// Numbers whose shortest text is long or odd: they must come back from the store bit for bit.
const AWKWARD = [0.1 + 0.2, 1e-7, -2.5e-300, 1.7976931348623157e308, 5e-324, 123456789.12345679, -0];
const names = Array.from({ length: N }, (_, i) => `f/${String(i).padStart(3, '0')}.jpg`);
const meta = names.map((_, i) => {
  const m: Record<string, unknown> = { colour: ['red', 'green', 'blue'][i % 3], score: i < AWKWARD.length ? AWKWARD[i] : i / 3 };
  if (i % 10 === 9) delete m.colour;
  if (i % 8 === 7) m.score = 'n/a';
  return m;
});

describe.each(dialects())('field columns held by a server ($name)', (dialect) => {
  let server: RunningServer;
  let other: RunningServer;
  let cleanup: () => Promise<void>;
  let datasetId: string;
  const query = (target: RunningServer, body: Record<string, unknown>) => bothPaths(() => call(target, 'POST', `/v1/datasets/${datasetId}/samples/query`, body));
  const ctx = () => ({ dialect: server.store.dialect, datasetId });

  beforeAll(async () => {
    const home = await tempHome();
    cleanup = async () => {
      await dialect.dispose(home.home);
      await home.cleanup();
    };
    server = await startServer(home.home, { open: dialect.open });
    // A second server on the same database, as another process would be.
    other = await startServer(home.home, { open: dialect.open });
    datasetId = (await call(server, 'POST', '/v1/datasets', { name: 'columns', type: 'Images' })).body.id;
    await call(server, 'POST', `/v1/datasets/${datasetId}/samples/batch`, { samples: names.map((fileName) => ({ fileName })) });
    const upload = await call(server, 'POST', `/v1/datasets/${datasetId}/customMetadata`, { images: names.map((file_name, id) => ({ id, file_name })), metadata: meta.map((m, image_id) => ({ image_id, ...m })) });
    expect(upload.status, JSON.stringify(upload.body)).toBeLessThan(300);
  });
  afterAll(async () => {
    await other?.close();
    await server?.close();
    await cleanup?.();
  });

  it('reads every value, numbers bit for bit, and holds the column until the dataset’s values change', async () => {
    const version = await valuesVersion(server.store.db, datasetId);
    expect(Number(version)).toBeGreaterThan(0);
    const first = await fieldColumns(server.store, ctx(), ['metadata:score', 'metadata:colour'], N);
    const score = first?.get('metadata:score');
    expect(score).toBeDefined();
    for (const [i, m] of meta.entries()) {
      if (typeof m.score === 'number') {
        expect(score?.codes[i]).toBe(NUMBER_VALUE);
        // === is equality of every bit, but for the two zeros (SQLite may keep −0 as 0).
        expect(score?.nums[i] === m.score, `sample ${i}: ${score?.nums[i]} for ${m.score}`).toBe(true);
      } else expect(score?.texts[score?.codes[i] ?? -9]).toBe('n/a');
    }
    const colour = first?.get('metadata:colour');
    expect(meta.map((m, i) => (colour?.codes[i] === NO_VALUE ? undefined : colour?.texts[colour.codes[i]]))).toEqual(meta.map((m) => m.colour));
    expect(colour?.valued).toBe(meta.filter((m) => m.colour !== undefined).length);
    // Asked again at the same version: the same object, not read again.
    expect((await fieldColumns(server.store, ctx(), ['metadata:score'], N))?.get('metadata:score')).toBe(score);
    // A number filter matches its value's text exactly as the store wrote it.
    const exact = await query(server, { filters: [{ field: 'metadata:score', values: [String(0.1 + 0.2), '1e-7'] }], members: true });
    expect(indicesFromBitmask(exact.members)).toEqual([0, 1]);
  });

  it('answers with what another process wrote, and with what this server wrote, from the next query on', async () => {
    const reds = (await query(server, { filters: [{ field: 'metadata:colour', values: ['red'] }], members: true, facets: ['metadata:colour'] })).members;
    expect(indicesFromBitmask(reds)).toEqual(meta.flatMap((m, i) => (m.colour === 'red' ? [i] : [])));
    const before = await valuesVersion(server.store.db, datasetId);
    // The other server turns samples 0–4 purple.
    const images = names.slice(0, 5).map((file_name, id) => ({ id, file_name }));
    const written = await call(other, 'POST', `/v1/datasets/${datasetId}/customMetadata`, { images, metadata: images.map(({ id }) => ({ image_id: id, colour: 'purple', score: 1000 + id })) });
    expect(written.status, JSON.stringify(written.body)).toBeLessThan(300);
    expect(await valuesVersion(server.store.db, datasetId)).not.toBe(before);
    const purple = await query(server, { filters: [{ field: 'metadata:colour', values: ['purple'] }], members: true, histograms: [{ field: 'metadata:score', bins: 4 }] });
    expect(indicesFromBitmask(purple.members)).toEqual([0, 1, 2, 3, 4]);
    expect(purple.histograms['metadata:score'].counts.reduce((a: number, b: number) => a + b, 0)).toBe(5);
    expect(purple.histograms['metadata:score'].extent[1]).toBe(123456789.12345679);
    // This server rewrites one sample through the sample route.
    const { body: sample } = await call(server, 'GET', `/v1/datasets/${datasetId}/samples?pageOffset=2&pageSize=1`);
    const put = await call(server, 'PUT', `/v1/datasets/${datasetId}/samples/${sample[0].id}`, { customMetaData: { colour: 'red' } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const after = await query(other, { filters: [{ field: 'metadata:colour', values: ['purple'] }], members: true, facets: ['metadata:colour'], histograms: [{ field: 'metadata:score', bins: 4 }] });
    expect(indicesFromBitmask(after.members)).toEqual([0, 1, 3, 4]);
    expect(after.facets['metadata:colour'].find((f: { value: string }) => f.value === 'red').count).toBe(meta.filter((m, i) => i >= 5 && m.colour === 'red').length + 1);
  });

  it('reads fields of more distinct values than one read of the store takes', async () => {
    // SQLite reads 2,048 distinct values at a time: unique numbers, unique texts, and both mixed in one field.
    const n = 5000;
    const files = Array.from({ length: n }, (_, i) => `many/${i}.jpg`);
    const values = files.map((_, i) => ({ serial: i * 1.5 - 100, label: `n${String(i).padStart(5, '0')}`, mixed: i % 3 === 0 ? `x${i}` : i }));
    const id = (await call(server, 'POST', '/v1/datasets', { name: 'many-values', type: 'Images' })).body.id;
    await call(server, 'POST', `/v1/datasets/${id}/samples/batch`, { samples: files.map((fileName) => ({ fileName })) });
    const upload = await call(server, 'POST', `/v1/datasets/${id}/customMetadata`, { images: files.map((file_name, k) => ({ id: k, file_name })), metadata: values.map((m, image_id) => ({ image_id, ...m })) });
    expect(upload.status, JSON.stringify(upload.body)).toBeLessThan(300);
    const held = await fieldColumns(server.store, { dialect: server.store.dialect, datasetId: id }, ['metadata:serial', 'metadata:label', 'metadata:mixed'], n);
    const read = (field: string, i: number) => {
      const column = held?.get(field);
      const code = column?.codes[i] ?? NO_VALUE;
      return code === NUMBER_VALUE ? column?.nums[i] : code === NO_VALUE ? undefined : column?.texts[code];
    };
    for (const field of ['serial', 'label', 'mixed'] as const) {
      expect(values.map((_, i) => read(`metadata:${field}`, i)), field).toEqual(values.map((m) => m[field]));
      expect(held?.get(`metadata:${field}`)?.valued).toBe(n);
    }
    expect(held?.get('metadata:serial')?.extent).toEqual([-100, (n - 1) * 1.5 - 100]);
    const some = await bothPaths(() => call(server, 'POST', `/v1/datasets/${id}/samples/query`, { filters: [{ field: 'metadata:mixed', values: ['x3', '4'] }], members: true }));
    expect(indicesFromBitmask(some.members)).toEqual([3, 4]);
  });

  it('holds nothing when the budget is 0, and answers the same in SQL', async () => {
    const before = process.env.WINNOW_FIELD_COLUMNS_MB;
    process.env.WINNOW_FIELD_COLUMNS_MB = '0';
    try {
      expect(await fieldColumns(server.store, ctx(), ['metadata:colour'], N)).toBeNull();
    } finally {
      if (before === undefined) delete process.env.WINNOW_FIELD_COLUMNS_MB;
      else process.env.WINNOW_FIELD_COLUMNS_MB = before;
    }
    // Nor a name that is not a field.
    expect(await fieldColumns(server.store, ctx(), ['metadata:colour', 'nosuch:task'], N)).toBeNull();
  });
});
