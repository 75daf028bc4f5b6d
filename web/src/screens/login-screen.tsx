import { useState, type FormEvent } from 'react';
import { Api, ApiError } from '../api';

/** The API token is the login: it is checked by listing datasets, then kept for this tab. */
export function LoginScreen({ onLogin }: { onLogin: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await new Api(token.trim()).getDatasets();
      onLogin(token.trim());
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'That token is not valid (unknown or revoked).' : String((e as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <h1>Winnow</h1>
      <form onSubmit={submit} className="card">
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="wnw_…"
          required
          autoFocus
        />
        <p className="hint">
          Create one with <code>winnow token create</code> on the machine that runs <code>winnow serve</code>.
        </p>
        {error !== null && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || token.trim() === ''}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
