import { useState, type FormEvent } from 'react';
import { ApiError, type Api } from '../api';

/**
 * Sign in with an API token, once: the server answers with an HttpOnly session cookie, so the token is kept nowhere
 * in the browser, and every tab of this browser is signed in until "Sign out".
 */
export function LoginScreen({ api, onLogin }: { api: Api; onLogin: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn(token.trim());
      setToken('');
      onLogin();
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
