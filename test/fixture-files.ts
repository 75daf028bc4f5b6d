import path from 'node:path';

/**
 * `test/fixtures`: the Lightly reference files and malformed inputs the tests read. They live in the repository so a
 * fresh clone with nothing beside it passes its tests (see test/fixtures/README.md for how they were made).
 */
export const FIXTURES = path.join(__dirname, 'fixtures');
