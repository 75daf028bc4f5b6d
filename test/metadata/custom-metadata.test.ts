import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../fixture-files';
import { InvalidInputError } from '../../src/errors';
import {
  formatCustomMetadata,
  parseJsonWithPositions,
  pyFloat,
  readCustomMetadataFile,
  readCustomMetadataWithWarnings,
  saveCustomMetadata,
  stringifyPythonJson,
  validateCustomMetadata,
} from '../../src/metadata';

const dir = mkdtempSync(path.join(tmpdir(), 'winnow-metadata-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURE = path.join(FIXTURES, 'lightly', 'custom_metadata.json');
const TRAILING_COMMAS = path.join(FIXTURES, 'bad', 'custom_metadata_trailing_commas.json');
let counter = 0;

function file(text: string): string {
  const p = path.join(dir, `m-${counter++}.json`);
  writeFileSync(p, text);
  return p;
}

async function problem(text: string, fileNames?: string[]): Promise<string> {
  const p = file(text);
  try {
    await readCustomMetadataFile(p, { fileNames });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).code).toBe('INVALID_METADATA');
    return (error as Error).message.slice(p.length);
  }
  throw new Error('expected the file to be rejected');
}

const image = (id: unknown, name: unknown) => ({ id, file_name: name });
const doc = (images: unknown[], metadata: unknown[]) => JSON.stringify({ images, metadata }, null, 2);

describe('lightly format_custom_metadata / save_custom_metadata', () => {
  it('round-trips the lightly fixture byte for byte', async () => {
    const out = path.join(dir, 'roundtrip.json');
    await saveCustomMetadata(out, await readCustomMetadataFile(FIXTURE));
    expect(readFileSync(out).equals(readFileSync(FIXTURE))).toBe(true);
  });

  it('produces the fixture from the same (file name, metadata) list', async () => {
    const formatted = formatCustomMetadata([
      ['image0.jpg', { number_of_pedestrians: 3, weather: { scenario: 'cloudy', temperature: 20.3 } }],
      ['image1.jpg', { number_of_pedestrians: 1, weather: { scenario: 'rainy', temperature: pyFloat(15) } }],
      ['image2.jpg', { number_of_pedestrians: 0, weather: { scenario: 'sunny', temperature: 27.5 }, night: false, tags: ['highway', 'urban'] }],
    ]);
    expect(formatted.images).toEqual([
      { id: 0, file_name: 'image0.jpg' },
      { id: 1, file_name: 'image1.jpg' },
      { id: 2, file_name: 'image2.jpg' },
    ]);
    expect(Object.keys(formatted.metadata[2])).toEqual(['image_id', 'number_of_pedestrians', 'weather', 'night', 'tags']);
    const out = path.join(dir, 'formatted.json');
    await saveCustomMetadata(out, formatted);
    expect(readFileSync(out).equals(readFileSync(FIXTURE))).toBe(true);
  });

  it('keeps float marks through formatCustomMetadata when the input was read from a file', async () => {
    const read = await readCustomMetadataFile(FIXTURE);
    const again = formatCustomMetadata(read.metadata.map((entry, i) => [read.images[i].file_name, (({ image_id: _id, ...rest }) => rest)(entry)]));
    expect(stringifyPythonJson(again)).toBe(readFileSync(FIXTURE, 'utf8'));
  });

  it('matches Python json.dumps (indent=4 and compact) on floats, big ints, unicode and escapes', () => {
    for (const [name, indent] of [['python-json-indent4.json', 4], ['python-json-compact.json', null]] as const) {
      const text = readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
      expect(stringifyPythonJson(parseJsonWithPositions(text, name), indent)).toBe(text);
    }
  });

  it('writes the compact single-line form with indent: null', async () => {
    const out = path.join(dir, 'compact.json');
    await saveCustomMetadata(out, formatCustomMetadata([['a.jpg', { t: pyFloat(1), n: [1, 2.5] }]]), { indent: null });
    expect(readFileSync(out, 'utf8')).toBe('{"images": [{"id": 0, "file_name": "a.jpg"}], "metadata": [{"image_id": 0, "t": 1.0, "n": [1, 2.5]}]}');
  });
});

describe('JSON syntax errors name line and column', () => {
  it('explains the trailing commas of the bad fixture', async () => {
    await expect(readCustomMetadataFile(TRAILING_COMMAS)).rejects.toThrow(
      `${TRAILING_COMMAS}:6:9: invalid JSON: trailing comma before "}" (the comma on line 5, column 20 must go)`,
    );
  });

  it('names each kind of syntax error', async () => {
    expect(await problem('')).toBe(':1:1: invalid JSON: the file is empty; expected a JSON object');
    expect(await problem('{"images": [1,]}')).toBe(':1:15: invalid JSON: trailing comma before "]" (the comma on line 1, column 14 must go)');
    expect(await problem("{'images': []}")).toBe(':1:2: invalid JSON: property names must use double quotes');
    expect(await problem('{"a": \'x\'}')).toBe(':1:7: invalid JSON: strings must use double quotes');
    expect(await problem('{\n  // note\n}')).toBe(':2:3: invalid JSON: comments are not allowed in JSON');
    expect(await problem('{"a": NaN}')).toBe(':1:7: invalid JSON: NaN and Infinity are not valid JSON numbers');
    expect(await problem('{"a": -Infinity}')).toBe(':1:7: invalid JSON: NaN and Infinity are not valid JSON numbers');
    expect(await problem('{"a": 01}')).toBe(':1:7: invalid JSON: invalid number "01"');
    expect(await problem('{"a": "x')).toBe(':1:7: invalid JSON: unterminated string');
    expect(await problem('{"a": "x\ny"}')).toBe(':1:9: invalid JSON: line break inside a string (write it as \\n)');
    expect(await problem('{"a": "\\q"}')).toBe(':1:8: invalid JSON: invalid escape sequence in a string');
    expect(await problem('{"a" 1}')).toBe(':1:6: invalid JSON: expected ":" after property name "a", found "1"');
    expect(await problem('{"a": 1 "b": 2}')).toBe(':1:9: invalid JSON: expected "," or "}" after the value of "a", found "\\""');
    expect(await problem('{"a": [1 2]}')).toBe(':1:10: invalid JSON: expected "," or "]" in an array, found "2"');
    expect(await problem('{"a": 1, "a": 2}')).toBe(':1:10: invalid JSON: duplicate property "a"');
    expect(await problem('{} {}')).toBe(':1:4: invalid JSON: unexpected "{" after the end of the JSON value');
    expect(await problem('{"a": }')).toBe(':1:7: invalid JSON: unexpected "}"; expected a value');
    expect(await problem('{"a": ')).toBe(':1:7: invalid JSON: unexpected end of file; expected a value');
    expect(await problem('{"a": tru}')).toBe(':1:7: invalid JSON: unexpected "t"; expected a value');
  });

  it('accepts a UTF-8 byte-order mark and a key named __proto__ as data', async () => {
    const p = file('\ufeff{"images": [{"id": 0, "file_name": "a.jpg"}], "metadata": [{"image_id": 0, "__proto__": {"x": 1}}]}');
    const meta = await readCustomMetadataFile(p);
    expect(Object.keys(meta.metadata[0])).toContain('__proto__');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('custom metadata validation', () => {
  it('requires an object with images and metadata arrays', async () => {
    expect(await problem('[]')).toBe(':1:1: the top level must be a JSON object with "images" and "metadata", found an array');
    expect(await problem('{"metadata": []}')).toBe(':1:1: missing the top-level key "images"');
    expect(await problem('{"images": []}')).toBe(':1:1: missing the top-level key "metadata"');
    expect(await problem('{"images": {}, "metadata": []}')).toBe(':1:1: "images" must be an array, found an object');
    expect(await problem('{"images": [], "metadata": "x"}')).toBe(':1:1: "metadata" must be an array, found the string "x"');
  });

  it('checks every image', async () => {
    expect(await problem(doc([5], []))).toBe(':2:13: images[0] must be an object, found number 5');
    expect(await problem(doc([{ file_name: 'a.jpg' }], []))).toBe(':3:5: images[0] has no "id"');
    expect(await problem(doc([image(1.5, 'a.jpg')], []))).toBe(':3:5: images[0].id must be an integer (or a string), found number 1.5');
    expect(await problem(doc([{ id: 0 }], []))).toBe(':3:5: images[0] has no "file_name"');
    expect(await problem(doc([image(0, '')], []))).toBe(':3:5: images[0].file_name must be a non-empty string, found the string ""');
    expect(await problem(doc([image(0, 'a.jpg'), image(0, 'b.jpg')], []))).toBe(':7:5: images[1] repeats id 0 of images[0]');
    expect(await problem(doc([image(0, 'a.jpg'), image(1, 'a.jpg')], []))).toBe(':7:5: images[1] repeats file_name "a.jpg" of images[0]');
  });

  it('checks every metadata entry', async () => {
    const images = [image(0, 'a.jpg'), image(1, 'b.jpg')];
    expect(await problem(doc(images, ['x']))).toBe(':12:15: metadata[0] must be an object, found the string "x"');
    expect(await problem(doc(images, [{ weather: 'sunny' }]))).toBe(':13:5: metadata[0] has no "image_id"');
    expect(await problem(doc(images, [{ image_id: 7 }]))).toBe(':13:5: metadata[0].image_id 7 matches no image in "images"');
    expect(await problem(doc(images, [{ image_id: 1 }, { image_id: 1 }]))).toBe(':16:5: metadata[1] is a second entry for image_id 1 (first: metadata[0])');
    let deep: unknown = 1;
    for (let i = 0; i < 17; i++) deep = { d: deep };
    expect(await problem(JSON.stringify({ images, metadata: [{ image_id: 0, deep }] }))).toBe(':1:83: metadata[0] is nested 18 levels deep; the limit is 16');
    const huge = JSON.stringify({ images, metadata: [{ image_id: 0, blob: 'x'.repeat(1024 * 1024) }] });
    expect(await problem(huge)).toBe(':1:83: metadata[0] is 1048600 bytes as JSON; the limit is 1048576 per image');
  });

  it('warns about images without metadata, images outside the dataset and dotted keys', async () => {
    const p = file(doc([image(0, 'a.jpg'), image(1, 'b.jpg'), image(2, 'c.jpg')], [{ image_id: 0, 'gps.lat': 1, camera: { 'f.stop': 2 } }]));
    const { warnings } = await readCustomMetadataWithWarnings(p, { fileNames: ['a.jpg', 'b.jpg'] });
    expect(warnings).toEqual([
      '2 images have no metadata: "b.jpg", "c.jpg"',
      '1 image is not in the dataset and will be skipped: "c.jpg"',
      '2 keys contain a dot, which key paths like "weather.temperature" cannot address: "gps.lat", "camera.f.stop"',
    ]);
    expect((await readCustomMetadataWithWarnings(FIXTURE, { fileNames: ['image0.jpg', 'image1.jpg', 'image2.jpg'] })).warnings).toEqual([]);
  });

  it('validates values that did not come from a file (no line numbers then)', () => {
    expect(() => validateCustomMetadata({ images: [{ id: 0 }], metadata: [] }, { file: 'request body' })).toThrow(
      'request body: images[0] has no "file_name"',
    );
    expect(validateCustomMetadata({ images: [{ id: 'x', file_name: 'a.jpg' }], metadata: [{ image_id: 'x' }] }, { file: 'b' }).warnings).toEqual([]);
  });

  it('reports a missing file as NotFoundError', async () => {
    await expect(readCustomMetadataFile(path.join(dir, 'none.json'))).rejects.toThrow(`metadata file "${path.join(dir, 'none.json')}" not found`);
  });
});
