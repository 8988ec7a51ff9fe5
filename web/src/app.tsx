/**
 * The console's shell: who is signed in, the navigation, and a URL for every page under
 * /console/ (the server answers every such path with index.html). Pages load when first
 * opened: the first screen carries only the shell, the editor (CodeMirror and the compiler)
 * and the charts come with the pages that use them.
 */
import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter-preact';
import { api, describeError, useCsrfToken, whenSignedOut } from './api';
import { Placeholder } from './pages/placeholder';
import { SignInPage } from './pages/sign-in';
import type { MessagesTab } from './pages/messages/messages-page';
import type { PrivacyTab } from './pages/privacy/privacy-page';
import { canEditRules, canManageUsers, SessionContext, type Role, type Session, type SessionAnswer } from './session';

/**
 * A page whose module is fetched on first use and kept. While it loads the page says so;
 * if it cannot be fetched (a new build replaced the old one's files), it offers a reload.
 */
function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  return function LazyPage(props: P) {
    const [, setReady] = useState(0);
    const [failure, setFailure] = useState<string>();
    useEffect(() => {
      if (loaded) return;
      loading ??= load();
      loading.then(
        (component) => {
          loaded = component;
          setReady((n) => n + 1);
        },
        (error: unknown) => {
          loading = undefined;
          setFailure(describeError(error));
        },
      );
    }, []);
    if (loaded) {
      const Page = loaded;
      return <Page {...props} />;
    }
    if (failure) {
      return (
        <div class="state state-error" role="alert">
          <p>This page could not be loaded ({failure}).</p>
          <button type="button" class="button" onClick={() => location.reload()}>
            Reload
          </button>
        </div>
      );
    }
    return (
      <p class="state state-loading" role="status">
        Loading…
      </p>
    );
  };
}

const RulesPage = lazyPage(() => import('./pages/rules/rules-page').then((m) => m.RulesPage));
const VersionsPage = lazyPage(() => import('./pages/rules/versions-page').then((m) => m.VersionsPage));
const UsersPage = lazyPage(() => import('./pages/users/users-page').then((m) => m.UsersPage));
const SegmentsPage = lazyPage(() => import('./pages/segments/list').then((m) => m.SegmentsPage));
const SegmentPage = lazyPage<{ name: string }>(() => import('./pages/segments/detail').then((m) => m.SegmentPage));
const JourneysPage = lazyPage(() => import('./pages/journeys/list').then((m) => m.JourneysPage));
const JourneyPage = lazyPage<{ name: string }>(() => import('./pages/journeys/detail').then((m) => m.JourneyPage));
const PeoplePage = lazyPage(() => import('./pages/people/search').then((m) => m.PeoplePage));
const PersonPage = lazyPage<{ id: string }>(() => import('./pages/people/person').then((m) => m.PersonPage));
const ConsentPage = lazyPage(() => import('./pages/consent/consent-page').then((m) => m.ConsentPage));
const SettingsPage = lazyPage(() => import('./pages/settings/settings-page').then((m) => m.SettingsPage));
const PrivacyPage = lazyPage<{ tab: PrivacyTab; requestId?: string }>(() =>
  import('./pages/privacy/privacy-page').then((m) => m.PrivacyPage),
);
const MessagesPage = lazyPage<{ tab: MessagesTab; template?: string }>(() =>
  import('./pages/messages/messages-page').then((m) => m.MessagesPage),
);
/** Consent and privacy are for the roles permissions.ts gives /v1/consents and /v1/privacy: admin and privacy. */
const handlesPrivacy = (role: Role) => role === 'admin' || role === 'privacy';

const SESSION_ENDED = 'Your session has ended. Sign in again to continue.';

function NavLink({ href, children }: { href: string; children: string }) {
  const [location] = useLocation();
  const current = location === href || location.startsWith(`${href}/`);
  return (
    <Link href={href} class={current ? 'nav-link nav-link-current' : 'nav-link'} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

/**
 * On narrow screens the navigation folds behind a menu button (style.css): nine links do
 * not fit a phone's width, and a bar that scrolls sideways hides half of them. The list
 * closes when a page is chosen, on Escape (focus back on the button) and on a click elsewhere.
 */
function useMenu() {
  const [open, setOpen] = useState(false);
  const [location] = useLocation();
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => setOpen(false), [location]);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onClick = (event: MouseEvent) => {
      const target = event.target as Element | null;
      if (!target?.closest('.nav') && !target?.closest('.nav-toggle')) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('click', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('click', onClick);
    };
  }, [open]);
  return { open, button, toggle: () => setOpen(!open) };
}

function Shell({ session }: { session: Session }) {
  const role = session.user.role;
  const menu = useMenu();
  return (
    <div class="shell">
      <header class="topbar">
        <Link href="/" class="brand" aria-label="Itinera, home">
          <span class="brand-mark" aria-hidden="true" />
          Itinera
        </Link>
        <button type="button" class="nav-toggle" ref={menu.button} aria-expanded={menu.open} aria-controls="main-nav" onClick={menu.toggle}>
          <span class="nav-toggle-icon" aria-hidden="true" />
          Menu
        </button>
        <nav aria-label="Main" id="main-nav" class={menu.open ? 'nav nav-open' : 'nav'}>
          <NavLink href="/rules">Rules</NavLink>
          <NavLink href="/segments">Segments</NavLink>
          <NavLink href="/journeys">Journeys</NavLink>
          {/* Every role: what each sees of a person is decided by the server (docs/console.md, People). */}
          <NavLink href="/people">People</NavLink>
          {/* Every role reads templates; editing, previews and test sends are for admins and marketers. */}
          <NavLink href="/messages">Messages</NavLink>
          {handlesPrivacy(role) && <NavLink href="/consent">Consent</NavLink>}
          {handlesPrivacy(role) && <NavLink href="/privacy">Privacy</NavLink>}
          {canManageUsers(role) && <NavLink href="/users">Users</NavLink>}
          {/* The server gives /v1/settings to admins only (permissions.ts). */}
          {role === 'admin' && <NavLink href="/settings">Settings</NavLink>}
        </nav>
        <div class="account">
          <span class="account-name">{session.user.name}</span>
          <span class="role-badge">{role}</span>
          <button type="button" class="button button-quiet" onClick={session.signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main class="content">
        <Switch>
          <Route path="/">
            {/* Those who write rules start at the editor; everyone else at what the rules produce. */}
            <Redirect to={canEditRules(role) ? '/rules' : '/segments'} replace />
          </Route>
          <Route path="/rules">
            <RulesPage />
          </Route>
          <Route path="/rules/versions">
            <VersionsPage />
          </Route>
          <Route path="/segments">
            <SegmentsPage />
          </Route>
          <Route path="/segments/:name">{(params: { name: string }) => <SegmentPage name={decodeURIComponent(params.name)} />}</Route>
          <Route path="/journeys">
            <JourneysPage />
          </Route>
          <Route path="/journeys/:name">{(params: { name: string }) => <JourneyPage name={decodeURIComponent(params.name)} />}</Route>
          <Route path="/people">
            <PeoplePage />
          </Route>
          <Route path="/people/:id">{(params: { id: string }) => <PersonPage id={decodeURIComponent(params.id)} />}</Route>
          <Route path="/messages">
            <Redirect to="/messages/templates" replace />
          </Route>
          <Route path="/messages/templates">
            <MessagesPage tab="templates" />
          </Route>
          <Route path="/messages/templates/:name">
            {(params: { name: string }) => <MessagesPage tab="templates" template={decodeURIComponent(params.name)} />}
          </Route>
          <Route path="/messages/deliveries">
            <MessagesPage tab="deliveries" />
          </Route>
          <Route path="/consent">
            {handlesPrivacy(role) ? (
              <ConsentPage />
            ) : (
              <Placeholder title="Consent" message="Only the admin and privacy roles read consents." />
            )}
          </Route>
          {(['suppressions', 'retention', 'audit'] as const).map((tab) => (
            <Route key={tab} path={`/privacy/${tab}`}>
              {handlesPrivacy(role) ? (
                <PrivacyPage tab={tab} />
              ) : (
                <Placeholder title="Privacy" message="Only the admin and privacy roles handle privacy." />
              )}
            </Route>
          ))}
          <Route path="/privacy/requests/:id">
            {(params: { id: string }) =>
              handlesPrivacy(role) ? (
                <PrivacyPage tab="requests" requestId={decodeURIComponent(params.id)} />
              ) : (
                <Placeholder title="Privacy" message="Only the admin and privacy roles handle privacy." />
              )
            }
          </Route>
          <Route path="/privacy">
            {handlesPrivacy(role) ? (
              <PrivacyPage tab="requests" />
            ) : (
              <Placeholder title="Privacy" message="Only the admin and privacy roles handle privacy." />
            )}
          </Route>
          <Route path="/users">
            {canManageUsers(role) ? <UsersPage /> : <Placeholder title="Users" message="Only an admin manages users." />}
          </Route>
          <Route path="/settings">
            {role === 'admin' ? <SettingsPage /> : <Placeholder title="Settings" message="Only an admin changes settings." />}
          </Route>
          <Route>
            <Placeholder title="Not found" message="There is no page at this address." />
          </Route>
        </Switch>
      </main>
    </div>
  );
}

export function App() {
  const [session, setSession] = useState<SessionAnswer | null | undefined>(undefined);
  const [notice, setNotice] = useState<string>();
  useEffect(() => {
    whenSignedOut(() => {
      setNotice(SESSION_ENDED);
      setSession(null);
    });
    api<SessionAnswer>('GET', '/v1/session').then(setSession, () => setSession(null));
  }, []);
  useCsrfToken(session?.csrfToken);
  if (session === undefined)
    return (
      <p class="state state-loading boot" role="status">
        Loading…
      </p>
    );
  if (session === null) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(answer) => {
          setNotice(undefined);
          setSession(answer);
        }}
      />
    );
  }
  const value: Session = {
    user: session.user,
    expiresAt: session.expiresAt,
    signOut: async () => {
      await api('DELETE', '/v1/session').catch(() => undefined);
      setNotice('You are signed out.');
      setSession(null);
    },
  };
  return (
    <SessionContext.Provider value={value}>
      <Router base="/console">
        <Shell session={value} />
      </Router>
    </SessionContext.Provider>
  );
}
