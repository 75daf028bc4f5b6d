import { InvalidInputError } from '../../errors';
import type { SharedAccessConfigCreateRequest, SharedAccessConfigData } from '../schemas';
import { getDataset, getOwnedDataset, type UserScope } from './datasets';
import { num } from './rows';

/**
 * Lightly's `POST …/collaboration/access` (the client's `share_dataset_only_with`): the dataset is shared with exactly
 * `users` from now on — an empty list revokes every share. Users are Winnow user names (Lightly's are e-mail
 * addresses; name Winnow users by their address to keep scripts unchanged). Only the owner may share; an unknown
 * user is a 400 naming it, so a typo never silently shares with nobody.
 */
export async function setSharedUsers(scope: UserScope, datasetId: string, request: SharedAccessConfigCreateRequest): Promise<{ id: string }> {
  const dataset = await getOwnedDataset(scope, datasetId);
  const names = [...new Set(request.users)];
  const { db } = scope.store;
  const found = names.length === 0 ? [] : await db.selectFrom('users').select(['id', 'name']).where('name', 'in', names).execute();
  const missing = names.filter((name) => !found.some((u) => u.name === name));
  if (missing.length > 0) {
    throw new InvalidInputError({ file: 'body', column: 'users' }, `no Winnow user named ${missing.map((m) => JSON.stringify(m)).join(', ')} (a user exists once \`winnow token create --user NAME\` made a token for it)`);
  }
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('dataset_access').where('dataset_id', '=', datasetId).execute();
    const rows = found.filter((u) => u.id !== dataset.userId).map((u) => ({ dataset_id: datasetId, user_id: u.id, access_type: request.accessType, created_at: now }));
    if (rows.length > 0) await trx.insertInto('dataset_access').values(rows).execute();
  });
  return { id: datasetId };
}

/**
 * Lightly's `GET …/collaboration/access`: one WRITE config listing the users the dataset is shared with, or none when
 * it is not shared. Anyone with access may read it.
 */
export async function getSharedAccessConfigs(scope: UserScope, datasetId: string): Promise<SharedAccessConfigData[]> {
  const dataset = await getDataset(scope, datasetId);
  const rows = await scope.store.db
    .selectFrom('dataset_access')
    .innerJoin('users', 'users.id', 'dataset_access.user_id')
    .select(['users.name', 'dataset_access.created_at'])
    .where('dataset_access.dataset_id', '=', datasetId)
    .orderBy('users.name')
    .execute();
  if (rows.length === 0) return [];
  const times = rows.map((r) => num(r.created_at));
  return [
    {
      // One config per dataset: the dataset id names it (Lightly's is an ObjectId of its own).
      id: datasetId,
      owner: dataset.userId,
      accessType: 'WRITE',
      users: rows.map((r) => r.name),
      teams: [],
      createdAt: Math.min(...times),
      lastModifiedAt: Math.max(...times),
    },
  ];
}
