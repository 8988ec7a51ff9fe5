/**
 * The draft in the editor, kept in localStorage so a reload, a crash or a session that
 * expired mid-edit loses nothing. One per browser and user; it goes once deployed or
 * discarded.
 */
export interface Draft {
  source: string;
  /** The active version when the draft was started: another deploy since then is worth saying. */
  basedOn: number | null;
  savedAt: string;
}

const key = (user: string) => `itinera.rules.draft.${user}`;

export function loadDraft(user: string): Draft | undefined {
  try {
    const stored = JSON.parse(localStorage.getItem(key(user)) ?? 'null') as Draft | null;
    return stored && typeof stored.source === 'string' ? stored : undefined;
  } catch {
    return undefined;
  }
}

export function saveDraft(user: string, draft: Draft): void {
  try {
    localStorage.setItem(key(user), JSON.stringify(draft));
  } catch {
    // Storage full or disabled: the editor still holds the text.
  }
}

export function clearDraft(user: string): void {
  try {
    localStorage.removeItem(key(user));
  } catch {
    // as above
  }
}
