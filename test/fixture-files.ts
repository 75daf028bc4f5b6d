import path from 'node:path';

/** `../shared/fixtures` beside the repository: where the session and CI (a clone elsewhere) both find it. */
export const SHARED_FIXTURES = path.join(__dirname, '..', '..', 'shared', 'fixtures');
