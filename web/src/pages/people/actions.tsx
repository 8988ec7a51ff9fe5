/**
 * What an admin or a privacy officer may do to a person, each through the route machines
 * use and audited there with the user's name: rectify a trait (PATCH
 * /v1/profiles/:id/traits), restrict or lift (PUT/DELETE /v1/profiles/:id/restriction),
 * export (POST /v1/privacy/exports), issue a privacy-page link (POST
 * /v1/privacy/portal-links) and erase (POST /v1/privacy/erasures), the last only after
 * typing the profile id in a dialog. The privacy routes name a person by an identifier, not
 * a profile id: the first of user id, e-mail, anonymous id and phone is used.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, describeError } from '../../api';
import { when } from '../../charts/states';
import type { Role } from '../../session';
import { shown } from './format';
import { KIND_NAMES, type Person } from './types';

/** Mirrors the server's rows for /v1/profiles/* and /v1/privacy/* (src/server/permissions.ts); the server decides. */
export const canHandlePrivacy = (role: Role) => role === 'admin' || role === 'privacy';

const REQUEST_KINDS = ['userId', 'email', 'anonymousId', 'phone'];

/** The identifier a privacy request names the person by. */
function requestIdentifier(person: Person): { kind: string; value: string } | undefined {
  for (const kind of REQUEST_KINDS) {
    const found = person.identifiers?.find((identifier) => identifier.kind === kind);
    if (found) return found;
  }
  return undefined;
}

/** Typed text as the trait's current type: a number stays a number, true/false a boolean; anything else is text. */
function typedValue(current: unknown, text: string): unknown {
  if (typeof current === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (typeof current === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

export function RectifyTrait({ person, onRectified }: { person: Person; onRectified: (traits: Record<string, unknown>) => void }) {
  const traits = person.traits ?? {};
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();

  const send = async (remove: boolean) => {
    const trait = name.trim();
    if (!trait) return;
    setBusy(true);
    setOutcome(undefined);
    try {
      const answer = await api<{ traits: Record<string, unknown> }>('PATCH', `/v1/profiles/${encodeURIComponent(person.id)}/traits`, {
        json: {
          traits: { [trait]: remove ? null : typedValue(traits[trait], value) },
          ...(reason.trim() ? { reason: reason.trim() } : {}),
        },
      });
      onRectified(answer.traits);
      setOutcome({ ok: true, text: remove ? `${trait} removed.` : `${trait} is now ${shown(answer.traits[trait])}.` });
      setValue('');
      setReason('');
    } catch (error) {
      setOutcome({ ok: false, text: describeError(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="people-form"
      aria-label="Rectify a trait"
      onSubmit={(event) => {
        event.preventDefault();
        void send(false);
      }}
    >
      <h3>Rectify a trait</h3>
      <div class="people-fields">
        <label class="people-field">
          Trait
          <input
            required
            list="people-trait-names"
            value={name}
            onInput={(event) => {
              const next = event.currentTarget.value;
              setName(next);
              if (next in traits) setValue(shown(traits[next]));
            }}
          />
          <datalist id="people-trait-names">
            {Object.keys(traits).map((trait) => (
              <option key={trait} value={trait} />
            ))}
          </datalist>
        </label>
        <label class="people-field">
          New value
          <input value={value} onInput={(event) => setValue(event.currentTarget.value)} />
        </label>
        <label class="people-field">
          Reason
          <input value={reason} placeholder="optional, for the audit log" onInput={(event) => setReason(event.currentTarget.value)} />
        </label>
        <button type="submit" class="dash-button-primary" disabled={busy || !name.trim()}>
          Rectify
        </button>
        <button type="button" disabled={busy || !(name.trim() in traits)} onClick={() => void send(true)}>
          Remove trait
        </button>
      </div>
      {outcome && (
        <p class={outcome.ok ? 'people-ok' : 'dash-error-inline'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
    </form>
  );
}

export function Actions({
  person,
  onRestricted,
}: {
  person: Person;
  onRestricted: (restricted: { since: string; reason?: string } | undefined) => void;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string; link?: string }>();
  const [erasing, setErasing] = useState(false);
  const identifier = requestIdentifier(person);
  const body = () => ({ ...(identifier ? { [identifier.kind]: identifier.value } : {}) });
  const why = () => (reason.trim() ? { reason: reason.trim() } : {});

  const run = async (what: () => Promise<{ text: string; link?: string }>) => {
    setBusy(true);
    setOutcome(undefined);
    try {
      setOutcome({ ok: true, ...(await what()) });
    } catch (error) {
      setOutcome({ ok: false, text: describeError(error) });
    } finally {
      setBusy(false);
    }
  };

  const restrict = () =>
    run(async () => {
      const answer = await api<{ restricted: { since: string; reason?: string } }>(
        'PUT',
        `/v1/profiles/${encodeURIComponent(person.id)}/restriction`,
        { json: why() },
      );
      onRestricted(answer.restricted);
      return { text: `Processing restricted since ${when(answer.restricted.since)}.` };
    });
  const lift = () =>
    run(async () => {
      const query = reason.trim() ? `?reason=${encodeURIComponent(reason.trim())}` : '';
      await api('DELETE', `/v1/profiles/${encodeURIComponent(person.id)}/restriction${query}`);
      onRestricted(undefined);
      return { text: 'The restriction is lifted.' };
    });
  const exportData = () =>
    run(async () => {
      const answer = await api<{ id: string; status: string }>('POST', '/v1/privacy/exports', { json: { ...body(), ...why() } });
      return {
        text: `Export ${answer.id} requested (${answer.status}). Its status and download link: GET /v1/privacy/exports/${answer.id}.`,
      };
    });
  const portalLink = () =>
    run(async () => {
      const answer = await api<{ url: string; expiresAt: string }>('POST', '/v1/privacy/portal-links', { json: body() });
      return { text: `A link to their privacy page, valid until ${when(answer.expiresAt)}:`, link: answer.url };
    });

  return (
    <section class="dash-card people-actions" aria-labelledby="actions-title">
      <header class="dash-card-header">
        <h2 id="actions-title">Privacy actions</h2>
        <span class="dash-muted">Each is recorded in the audit log with your name.</span>
      </header>
      {!identifier && (
        <p class="dash-muted">
          This person has no user id, e-mail, anonymous id or phone: export, links and erasure name a person by one of those.
        </p>
      )}
      <div class="people-fields">
        <label class="people-field">
          Reason
          <input value={reason} placeholder="optional, for the audit log" onInput={(event) => setReason(event.currentTarget.value)} />
        </label>
        {person.restricted ? (
          <button type="button" disabled={busy} onClick={() => void lift()}>
            Lift restriction
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void restrict()}>
            Restrict processing
          </button>
        )}
        <button type="button" disabled={busy || !identifier} onClick={() => void exportData()}>
          Export their data
        </button>
        <button type="button" disabled={busy || !identifier} onClick={() => void portalLink()}>
          Privacy-page link
        </button>
        <button type="button" class="people-danger" disabled={busy || !identifier} onClick={() => setErasing(true)}>
          Erase…
        </button>
      </div>
      {identifier && <p class="dash-muted people-note">Requests name them by their {KIND_NAMES[identifier.kind] ?? identifier.kind}.</p>}
      {outcome && (
        <p class={outcome.ok ? 'people-ok' : 'dash-error-inline'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}{' '}
          {outcome.link && (
            <input
              class="people-link"
              readOnly
              value={outcome.link}
              aria-label="Privacy-page link"
              onFocus={(e) => e.currentTarget.select()}
            />
          )}
        </p>
      )}
      {erasing && identifier && (
        <EraseDialog
          person={person}
          onClose={() => setErasing(false)}
          onErase={async (eraseReason) => {
            const answer = await api<{ id: string; status: string }>('POST', '/v1/privacy/erasures', {
              json: { ...body(), reason: eraseReason },
            });
            setErasing(false);
            setOutcome({
              ok: true,
              text: `Erasure ${answer.id} requested (${answer.status}). The profile will be gone once it completes.`,
            });
          }}
        />
      )}
    </section>
  );
}

function EraseDialog(props: { person: Person; onClose: () => void; onErase: (reason: string) => Promise<void> }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  useEffect(() => dialog.current?.showModal(), []);
  const ready = typed.trim() === props.person.id && reason.trim() !== '';

  return (
    <dialog ref={dialog} class="dialog people-dialog" aria-labelledby="erase-title" onClose={props.onClose} onCancel={props.onClose}>
      <header class="dialog-header">
        <h2 id="erase-title">Erase this person</h2>
        <button type="button" class="button button-quiet" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </header>
      <form
        class="dialog-body"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!ready) return;
          setBusy(true);
          setProblem(undefined);
          try {
            await props.onErase(reason.trim());
          } catch (error) {
            setProblem(describeError(error));
            setBusy(false);
          }
        }}
      >
        <p>
          Their profile, events, consents, messages and identifiers are deleted for good, and they are kept from coming back (the
          suppression list). This cannot be undone.
        </p>
        <label class="people-field">
          Reason (recorded in the audit log)
          <input required value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
        </label>
        <label class="people-field">
          Type the profile id <code>{props.person.id}</code> to confirm
          <input required autoComplete="off" spellcheck={false} value={typed} onInput={(event) => setTyped(event.currentTarget.value)} />
        </label>
        {problem && (
          <p class="dash-error-inline" role="alert">
            {problem}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="button people-danger" disabled={!ready || busy}>
            Erase for good
          </button>
        </div>
      </form>
    </dialog>
  );
}
