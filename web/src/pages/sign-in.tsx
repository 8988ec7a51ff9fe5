/**
 * Sign-in: name and password for POST /v1/sessions. Wrong credentials and too many
 * attempts are said plainly; a session that ended elsewhere arrives here with its reason.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, describeError } from '../api';
import type { SessionAnswer } from '../session';

export function SignInPage({ onSignedIn, notice }: { onSignedIn: (answer: SessionAnswer) => void; notice?: string | undefined }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [waitUntil, setWaitUntil] = useState<number>();
  const [now, setNow] = useState(Date.now());

  // Counts the wait of a 429 down, so the message stays true while it is shown.
  useEffect(() => {
    if (waitUntil === undefined) return undefined;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= waitUntil) setWaitUntil(undefined);
    }, 1000);
    return () => clearInterval(timer);
  }, [waitUntil]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api<SessionAnswer>('POST', '/v1/sessions', { json: { name: form.get('name'), password: form.get('password') } }));
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 429) {
        const seconds = failure.retryAfter ?? 60;
        setWaitUntil(Date.now() + seconds * 1000);
        setNow(Date.now());
      } else if (failure instanceof ApiError && failure.status === 401) {
        setError('The user name or the password is not right.');
      } else {
        setError(describeError(failure));
      }
    } finally {
      setBusy(false);
    }
  };

  const waitSeconds = waitUntil === undefined ? 0 : Math.max(1, Math.ceil((waitUntil - now) / 1000));
  return (
    <main class="sign-in">
      <div class="sign-in-card">
        <p class="brand brand-large" aria-hidden="true">
          <span class="brand-mark" />
          Itinera
        </p>
        <h1>Sign in</h1>
        <p class="muted">Segments, journeys and the rules behind them.</p>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={submit}>
          <label for="sign-in-name">User name</label>
          <input id="sign-in-name" name="name" autocomplete="username" required autoFocus />
          <label for="sign-in-password">Password</label>
          <input id="sign-in-password" name="password" type="password" autocomplete="current-password" required />
          {waitUntil !== undefined && (
            <p class="form-error" role="alert">
              Too many attempts, try again in {waitSeconds} s.
            </p>
          )}
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="button button-primary button-wide" disabled={busy || waitUntil !== undefined}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
