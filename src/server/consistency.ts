/**
 * Reads of profiles wait for the profile writer, so that an event acknowledged before the
 * read is on the profile read. The wait is bounded: under a load the writer is far behind
 * on, a read answers with what is stored after the bound, and says so in the
 * `Itinera-Behind-Events` header (the events accepted but not yet applied), rather than
 * taking as long as the backlog.
 */
import type { Response } from 'express';
import type { AppDeps } from './deps.js';

export const BEHIND_HEADER = 'Itinera-Behind-Events';

export async function awaitProfiles(deps: Pick<AppDeps, 'profilesSettled'>, res: Response): Promise<void> {
  const behind = await deps.profilesSettled();
  if (behind > 0) res.setHeader(BEHIND_HEADER, String(behind));
}
