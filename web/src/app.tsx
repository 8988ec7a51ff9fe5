/**
 * The console's shell: who is signed in, the navigation, and a URL for every page under
 * /console/ (the server answers every such path with index.html).
 */
import { useEffect, useState } from 'preact/hooks';
import { Link, Route, Router, Switch } from 'wouter-preact';
import { api, useCsrfToken, whenSignedOut } from './api';
import { Placeholder } from './pages/placeholder';
import { SessionContext, type Session, type SessionUser } from './session';

interface SessionAnswer {
  user: SessionUser;
  csrfToken: string;
  expiresAt: string;
}

function SignIn({ onSignedIn }: { onSignedIn: (answer: SessionAnswer) => void }) {
  const [error, setError] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    try {
      onSignedIn(await api<SessionAnswer>('POST', '/v1/sessions', { json: { name: form.get('name'), password: form.get('password') } }));
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <main class="sign-in">
      <h1>Itinera</h1>
      <form onSubmit={submit}>
        <label>User name <input name="name" autocomplete="username" required /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        {error && <p role="alert">{error}</p>}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

export function App() {
  const [session, setSession] = useState<SessionAnswer | null | undefined>(undefined);
  useEffect(() => {
    whenSignedOut(() => setSession(null));
    api<SessionAnswer>('GET', '/v1/session').then(setSession, () => setSession(null));
  }, []);
  useEffect(() => useCsrfToken(session?.csrfToken), [session]);
  if (session === undefined) return null;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  const value: Session = {
    user: session.user,
    expiresAt: session.expiresAt,
    signOut: async () => {
      await api('DELETE', '/v1/session').catch(() => undefined);
      setSession(null);
    },
  };
  return (
    <SessionContext.Provider value={value}>
      <Router base="/console">
        <header>
          <nav aria-label="Main">
            <Link href="/rules">Rules</Link>
            <Link href="/segments">Segments</Link>
            <Link href="/journeys">Journeys</Link>
          </nav>
          <span>{session.user.name} ({session.user.role})</span>
          <button type="button" onClick={value.signOut}>Sign out</button>
        </header>
        <main>
          <Switch>
            <Route path="/rules"><Placeholder title="Rules" /></Route>
            <Route path="/segments"><Placeholder title="Segments" /></Route>
            <Route path="/journeys"><Placeholder title="Journeys" /></Route>
            <Route><Placeholder title="Itinera" /></Route>
          </Switch>
        </main>
      </Router>
    </SessionContext.Provider>
  );
}
