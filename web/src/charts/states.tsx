/** The states every dashboard shows before and instead of its figures. */
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';

export function Loading({ what }: { what: string }) {
  return (
    <p class="dash-loading" role="status">
      <span class="dash-spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

/** A failed read; a 404 reads as "not found", not as a crash. */
export function Failed({ error, what }: { error: Error; what: string }) {
  const missing = error instanceof ApiError && error.status === 404;
  return (
    <div class="dash-error" role="alert">
      <strong>{missing ? `No such ${what}.` : `Could not load the ${what}.`}</strong> {error.message}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="dash-empty">{children}</p>;
}

/** Numbers as people read them: 12,345. */
export const count = (n: number) => n.toLocaleString('en');

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
