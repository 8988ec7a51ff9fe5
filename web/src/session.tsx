/** The signed-in user, shared by every page: who they are and what their role lets them do. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Role = 'admin' | 'marketer' | 'privacy' | 'viewer';

export interface SessionUser {
  name: string;
  role: Role;
}

export interface Session {
  user: SessionUser;
  expiresAt: string;
  signOut: () => Promise<void>;
}

/** POST /v1/sessions and GET /v1/session answer this. */
export interface SessionAnswer {
  user: SessionUser;
  csrfToken: string;
  expiresAt: string;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** Mirrors the server's rules (src/server/permissions.ts) to hide what would be refused; the server decides. */
export const canEditRules = (role: Role) => role === 'admin' || role === 'marketer';
/** Deploying and rolling back change the rules: the same roles as editing them. */
export const canDeploy = canEditRules;
export const canManageUsers = (role: Role) => role === 'admin';
export const seesPersonalData = (role: Role) => role !== 'viewer';
