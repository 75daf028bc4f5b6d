import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingsCsvParser, type RowSink } from '../../src/embeddings/csv-parser';
import { InvalidInputError, WinnowError } from '../../src/errors';
import { readCustomMetadataWithWarnings } from '../../src/metadata';
import { parseSelectionConfig } from '../../src/select';
import { startDatasetServer, type DatasetServer } from '../platform/helpers';

/**
 * Property-based tests: thousands of generated inputs thrown at the readers of untrusted input — the embeddings CSV
 * parser, the custom-metadata reader, the selection config and the JSON API bodies. Each must end in a named error
 * (a WinnowError with a code and a message; a 4xx with `code` and `error` over HTTP) or succeed: never a 500, an
 * unnamed crash or a hang. The run counts and times are printed (`fuzz:` lines) for the README.
 */
const RUNS = Number(process.env.WINNOW_FUZZ_RUNS ?? 2000);
// Any single input taking this long is a hang.
const PER_INPUT_MS = 5_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} took over ${PER_INPUT_MS} ms`)), PER_INPUT_MS);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** A failure the reader named: a WinnowError with a code and a message, never a TypeError or RangeError. */
function expectNamed(error: unknown): void {
  if (!(error instanceof WinnowError)) throw new Error(`unnamed failure: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  expect(error.code).toMatch(/^[A-Z_]+$/);
  expect(error.message.length).toBeGreaterThan(0);
}

const report: string[] = [];
afterAll(() => {
  process.stdout.write(`${report.join('\n')}\n`);
});

async function timed(label: string, runs: number, body: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await body();
  report.push(`fuzz: ${label}: ${runs} inputs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'winnow-fuzz-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// Text that looks like the format often enough to get past the header: valid pieces, mutated.
const fileName = fc.oneof(
  fc.constantFrom('a.png', 'b/c.jpg', '../x.png', '/etc/passwd', 'a\\b.png', 'C:x.png', '"q,uote".png', 'ü.png', ''),
  fc.string({ maxLength: 12 }),
);
const cell = fc.oneof(
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom('1e400', '-0', 'nan', 'inf', '0x1', '1,5', '"1.0"', '', ' 1', '1e', '.', '-'),
  fc.string({ maxLength: 6 }),
);
const csvRow = fc.tuple(fileName, fc.array(cell, { maxLength: 5 }), fc.oneof(fc.integer().map(String), fc.string({ maxLength: 3 }))).map(
  ([name, cells, label]) => [name, ...cells, label].join(','),
);
const csvHeader = fc.oneof(
  fc.integer({ min: 0, max: 4 }).map((d) => ['filenames', ...Array.from({ length: d }, (_, i) => `embedding_${i}`), 'labels'].join(',')),
  fc.constantFrom('filenames,embedding_0,labels,masked,selected', 'filenames,labels', 'embedding_0,filenames,labels', ''),
  fc.string({ maxLength: 30 }),
);
const lineBreak = fc.constantFrom('\n', '\r\n', '\r', '');
const csvText = fc.tuple(csvHeader, fc.array(fc.tuple(csvRow, lineBreak), { maxLength: 8 }), lineBreak).map(
  ([header, rows, end]) => header + '\n' + rows.map(([row, br]) => row + br).join('') + end,
);
const bytesOf = (text: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: text.map((t) => Buffer.from(t)) },
    { weight: 1, arbitrary: text.map((t) => Buffer.from(t, 'utf16le')) },
    { weight: 1, arbitrary: text.map((t) => Buffer.from(t, 'latin1')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.tuple(text, fc.uint8Array({ maxLength: 4 }), fc.nat()).map(([t, junk, at]) => {
      const b = Buffer.from(t);
      const i = b.length === 0 ? 0 : at % b.length;
      return Buffer.concat([b.subarray(0, i), Buffer.from(junk), b.subarray(i)]);
    }) },
  );

describe('property: untrusted input ends in a named error or a result', () => {
  it(`embeddings CSV parser (${RUNS * 5} inputs, in random chunks)`, async () => {
    await timed('embeddings CSV parser', RUNS * 5, () =>
      fc.assert(
        fc.asyncProperty(bytesOf(csvText), fc.array(fc.nat(), { maxLength: 4 }), async (bytes, cuts) => {
          // The parser as the readers drive it: pushed chunk by chunk (cut anywhere, mid-character too), then ended.
          const parser = new EmbeddingsCsvParser('fuzz.csv');
          const sink: RowSink = {
            values: new Float32Array(0),
            offset: 0,
            onHeader(header) {
              sink.values = new Float32Array(header.dim);
            },
            onRow() {
              sink.offset = 0;
            },
          };
          const at = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((x, y) => x - y);
          try {
            let start = 0;
            for (const cut of [...at, bytes.length]) {
              parser.push(bytes.subarray(start, cut), sink);
              start = cut;
            }
            parser.end(sink);
            expect(parser.rows).toBeGreaterThanOrEqual(0);
          } catch (error) {
            expectNamed(error);
            expect((error as InvalidInputError).location.file).toBe('fuzz.csv');
          }
        }),
        { numRuns: RUNS * 5 },
      ),
    );
  });

  const jsonish = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc
      .record({
        images: fc.array(fc.record({ id: fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.double()), file_name: fileName }, { requiredKeys: [] }), { maxLength: 5 }),
        metadata: fc.array(fc.record({ image_id: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.string({ maxLength: 2 })), w: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }), {
          maxLength: 5,
        }),
      }, { requiredKeys: [] })
      .map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 40 }),
  );

  it(`custom-metadata reader (${RUNS} files)`, async () => {
    let n = 0;
    await timed('custom-metadata reader', RUNS, () =>
      fc.assert(
        fc.asyncProperty(bytesOf(jsonish), async (bytes) => {
          const file = path.join(dir, `m${n++}.json`);
          await writeFile(file, bytes);
          try {
            await withTimeout(readCustomMetadataWithWarnings(file), 'readCustomMetadataWithWarnings');
          } catch (error) {
            expectNamed(error);
          } finally {
            await rm(file, { force: true });
          }
        }),
        { numRuns: RUNS },
      ),
    );
  });

  it(`selection config (${RUNS * 2} values)`, async () => {
    const strategy = fc.record(
      {
        input: fc.record({ type: fc.constantFrom('EMBEDDINGS', 'SCORES', 'METADATA', 'PREDICTIONS', 'RANDOM', 'x'), key: fc.string({ maxLength: 8 }), task: fc.string({ maxLength: 4 }) }, { requiredKeys: [] }),
        strategy: fc.record(
          {
            type: fc.constantFrom('DIVERSITY', 'WEIGHTS', 'THRESHOLD', 'BALANCE', 'SIMILARITY', 'RANDOM', 'TYPICALITY', 'COVERAGE', 'CLUSTER'),
            stopping_condition_minimum_distance: fc.double(),
            threshold: fc.double(),
            operation: fc.string({ maxLength: 12 }),
            target: fc.dictionary(fc.string({ maxLength: 4 }), fc.double()),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    const config = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record(
        {
          n: fc.oneof(fc.integer(), fc.double()),
          proportionSamples: fc.double(),
          nSamples: fc.oneof(fc.integer(), fc.double()),
          minDistance: fc.double(),
          seed: fc.oneof(fc.integer(), fc.double()),
          projectionDim: fc.integer(),
          strategy: fc.string({ maxLength: 10 }),
          strategies: fc.array(strategy, { maxLength: 4 }),
        },
        { requiredKeys: [] },
      ),
    );
    await timed('selection config', RUNS * 2, () =>
      fc.assert(
        fc.asyncProperty(config, async (value) => {
          try {
            parseSelectionConfig(value, 'sel.json');
          } catch (error) {
            expectNamed(error);
          }
        }),
        { numRuns: RUNS * 2 },
      ),
    );
  });
});

describe('property: JSON API bodies never get a 500', () => {
  let server: DatasetServer;
  let datasetId: string;
  let embeddingId: string;
  let tagId: string;

  beforeAll(async () => {
    server = await startDatasetServer({ dataset: 'fuzz', names: Array.from({ length: 12 }, (_, i) => `s${i}.png`) });
    ({ datasetId, embeddingId } = server);
    tagId = (await server.app.inject({ method: 'GET', url: `/v1/datasets/${datasetId}/tags`, headers: { authorization: `Bearer ${server.token}` } })).json()[0].id;
  }, 120_000);
  afterAll(() => server?.close());

  it(`${RUNS} bodies across the body-taking routes`, async () => {
    // Each route with the body fields it reads, so generated bodies get past validation into the services often.
    const routes = () => [
      ['POST', '/v1/datasets', ['name']],
      ['PUT', `/v1/datasets/${datasetId}`, ['name']],
      ['POST', `/v1/datasets/${datasetId}/samples`, ['fileName', 'thumbName']],
      ['POST', `/v1/datasets/${datasetId}/samples/batch`, ['samples']],
      ['POST', `/v1/datasets/${datasetId}/customMetadata`, ['images', 'metadata']],
      ['POST', `/v1/datasets/${datasetId}/configuration/metadata`, ['name', 'configs']],
      ['POST', `/v1/datasets/${datasetId}/tags`, ['name', 'bitMaskData', 'prevTagId']],
      ['POST', `/v1/datasets/${datasetId}/tags/fromFilenames`, ['name', 'fileNames']],
      ['POST', `/v1/datasets/${datasetId}/tags/arithmetics`, ['tagId1', 'tagId2', 'operation', 'newTagName']],
      ['PUT', `/v1/datasets/${datasetId}/tags/${tagId}`, ['name', 'bitMaskData']],
      ['POST', `/v1/datasets/${datasetId}/embeddings/${embeddingId}/sampling`, ['newTagName', 'method', 'config', 'selection']],
      ['POST', '/v1/tokens', ['name']],
    ] as const;
    // Shapes close to the real bodies (so validation is passed and the services run), plus arbitrary JSON and bytes.
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            name: fc.oneof(fc.string({ minLength: 3, maxLength: 12 }), fc.string({ maxLength: 3 }), fc.constant('x\u001b[2K')),
            newTagName: fc.oneof(fc.string({ minLength: 3, maxLength: 12 }), fc.string({ maxLength: 3 })),
            thumbName: fc.oneof(fileName, fc.constant(null)),
            fileName: fileName,
            fileNames: fc.array(fileName, { maxLength: 4 }),
            samples: fc.array(fc.record({ fileName, thumbName: fc.oneof(fileName, fc.constant(null)) }, { requiredKeys: [] }), { maxLength: 4 }),
            bitMaskData: fc.oneof(fc.constantFrom('0x1', '0x', '0xfffffffffffffffffffff', '1', '0xg'), fc.string({ maxLength: 6 })),
            prevTagId: fc.oneof(fc.constant(tagId), fc.string({ maxLength: 4 })),
            tagId1: fc.oneof(fc.constant(tagId), fc.string({ maxLength: 4 })),
            tagId2: fc.oneof(fc.constant(tagId), fc.string({ maxLength: 4 })),
            operation: fc.constantFrom('UNION', 'INTERSECTION', 'DIFFERENCE', 'x'),
            method: fc.constantFrom('RANDOM', 'CORESET', 'CORAL', 'ACTIVE_LEARNING', 'x'),
            config: fc.record({ stoppingCondition: fc.record({ nSamples: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.double()), proportionSamples: fc.double(), minDistance: fc.double() }, { requiredKeys: [] }) }, { requiredKeys: [] }),
            selection: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ n: fc.integer({ min: -1, max: 20 }), strategy: fc.constantFrom('coreset', 'random', 'diversity', 'x') }, { requiredKeys: [] })),
            images: fc.array(fc.record({ id: fc.integer({ min: 0, max: 3 }), file_name: fileName }), { maxLength: 3 }),
            metadata: fc.array(fc.record({ image_id: fc.integer({ min: 0, max: 3 }), w: fc.jsonValue({ maxDepth: 2 }) }), { maxLength: 3 }),
            configs: fc.array(fc.record({ name: fc.string({ maxLength: 5 }), path: fc.string({ maxLength: 8 }), valueDataType: fc.constantFrom('NUMERIC_INT', 'CATEGORICAL_STRING', 'x') }, { requiredKeys: [] }), { maxLength: 2 }),
            totSize: fc.oneof(fc.integer(), fc.double()),
          },
          // Every field present: the route's filter below keeps the ones it reads.
        )
        .map((v) => ({ fields: v as Record<string, unknown> })),
      fc.string({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
    );
    const contentType = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
      { weight: 2, arbitrary: fc.constantFrom('application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded') },
    );
    let requests = 0;
    const statuses = new Map<number, number>();
    await timed('JSON API bodies (HTTP, in-process)', RUNS, () =>
      fc.assert(
        fc.asyncProperty(fc.nat(), body, contentType, async (pick, generated, type) => {
          const [method, url, keys] = routes()[pick % routes().length];
          // A shaped body keeps only the fields its route reads (usually; sometimes all, to hit additionalProperties).
          const payload =
            typeof generated === 'object' && generated !== null && 'fields' in generated
              ? JSON.stringify(pick % 7 === 0 ? generated.fields : Object.fromEntries(Object.entries(generated.fields).filter(([k]) => (keys as readonly string[]).includes(k))))
              : generated;
          requests++;
          const response = await withTimeout(
            server.app.inject({ method, url, headers: { authorization: `Bearer ${server.token}`, 'content-type': type }, payload }),
            `${method} ${url}`,
          );
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          expect(response.statusCode, `${method} ${url} ${String(payload).slice(0, 200)} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
          if (response.statusCode >= 400) {
            const parsed = response.json() as { code?: string; error?: string };
            expect(parsed.code).toMatch(/^[A-Za-z_]+$/);
            expect(typeof parsed.error).toBe('string');
          }
        }),
        { numRuns: RUNS },
      ),
    );
    expect(requests).toBeGreaterThanOrEqual(RUNS);
    report.push(`fuzz: JSON API statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ')}`);
    // Not all refused at the door: some bodies got through validation into the services.
    expect([...statuses.keys()].some((status) => status < 300)).toBe(true);
  });
});
