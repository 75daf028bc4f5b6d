import { useCallback, useEffect, useState } from 'react';
import type { Api, ApiTokenInfo } from '../api';
import { CopyButton } from '../components/copy-button';

/** Create and revoke API tokens. A new token is shown once, here; the server keeps only its hash. */
export function TokensScreen({ api }: { api: Api }) {
  const [tokens, setTokens] = useState<ApiTokenInfo[] | null>(null);
  const [name, setName] = useState('');
  const [fresh, setFresh] = useState<{ token: string; name: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setTokens(await api.getTokens());
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api]);
  useEffect(() => void reload(), [reload]);

  const create = async () => {
    setError(null);
    try {
      const { token, info } = await api.createToken(name.trim());
      setFresh({ token, name: info.name });
      setName('');
      await reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const revoke = async (t: ApiTokenInfo) => {
    if (!window.confirm(`Revoke token ${t.name} (${t.prefix}…)? Programs using it stop working.`)) return;
    setError(null);
    try {
      await api.revokeToken(t.id);
      await reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <main className="page">
      <h1>API tokens</h1>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {fresh !== null && (
        <div className="card notice" role="status">
          <p>
            New token <strong>{fresh.name}</strong>. Copy it now: it is shown only once.
          </p>
          <code className="secret" data-testid="new-token">
            {fresh.token}
          </code>{' '}
          <CopyButton text={fresh.token} label="Copy the new token" />
          <button type="button" className="small secondary" onClick={() => setFresh(null)}>
            Done
          </button>
        </div>
      )}
      <form
        className="card inline"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label htmlFor="token-name">Token name</label>
        <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} required placeholder="e.g. n8n, ci" />
        <button type="submit" disabled={name.trim() === ''}>
          Create token
        </button>
      </form>
      {tokens !== null && (
        <table className="list" aria-label="API tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">User</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.name}</th>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>{t.user}</td>
                <td>{new Date(t.createdAt).toLocaleString()}</td>
                <td>{t.lastUsedAt === null ? 'never' : new Date(t.lastUsedAt).toLocaleString()}</td>
                <td>{t.revokedAt === null ? 'active' : `revoked ${new Date(t.revokedAt).toLocaleDateString()}`}</td>
                <td>
                  {t.revokedAt === null && (
                    <button type="button" className="small danger" onClick={() => void revoke(t)} aria-label={`Revoke ${t.name}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
