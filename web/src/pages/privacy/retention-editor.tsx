/**
 * The retention policy's editor: its rules (events by name or type older than so many
 * days, people not seen for so many days) and the reason the change is recorded with in
 * the audit log. What the edited policy would remove is shown first (POST
 * /v1/privacy/retention/dry-run with the draft, removing nothing); saving (PUT
 * /v1/privacy/retention) is offered once the dry run of exactly this draft is on screen.
 * The server's refusals are shown beside the field they concern.
 */
import { useState } from 'preact/hooks';
import { api, ApiError, describeError } from '../../api';
import { DryRunTable } from './dry-run-table';
import type { RetentionDryRun, RetentionPolicy } from './types';

const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;

interface DraftRule {
  event: string;
  type: string;
  olderThanDays: string;
}

interface Draft {
  rules: DraftRule[];
  inactivePeopleDays: string;
  reason: string;
}

/** Field path (as the server names it: `events.0.olderThanDays`) → what is wrong with it. */
type FieldErrors = Record<string, string>;

const draftOf = (policy: RetentionPolicy): Draft => ({
  rules: policy.events.map((rule) => ({ event: rule.event ?? '', type: rule.type ?? '', olderThanDays: String(rule.olderThanDays) })),
  inactivePeopleDays: policy.inactivePeopleDays === undefined ? '' : String(policy.inactivePeopleDays),
  reason: '',
});

/** A count of days typed: a whole number, or what is wrong with it. */
const days = (text: string): number | string => (/^\s*\d+\s*$/.test(text) ? Number(text) : 'a whole number of days');

/** The draft as the API takes it, or the fields the browser already knows are wrong. */
function policyOf(draft: Draft): { policy: { events: Record<string, unknown>[]; inactivePeopleDays?: number } } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const events = draft.rules.map((rule, i) => {
    const older = days(rule.olderThanDays);
    if (typeof older === 'string') errors[`events.${i}.olderThanDays`] = older;
    return {
      olderThanDays: older,
      ...(rule.event.trim() ? { event: rule.event.trim() } : {}),
      ...(rule.type ? { type: rule.type } : {}),
    };
  });
  const inactive = draft.inactivePeopleDays.trim() ? days(draft.inactivePeopleDays) : undefined;
  if (typeof inactive === 'string') errors.inactivePeopleDays = inactive;
  if (Object.keys(errors).length > 0) return { errors };
  return { policy: { events, ...(typeof inactive === 'number' ? { inactivePeopleDays: inactive } : {}) } };
}

/** A 400's details by field; anything else under '' (shown above the buttons). */
function errorsOf(failure: unknown, prefix = ''): FieldErrors {
  const details =
    failure instanceof ApiError
      ? (failure.body as { error?: { details?: { path?: string; message?: string }[] } })?.error?.details
      : undefined;
  if (!details?.length) return { '': describeError(failure) };
  return Object.fromEntries(details.map((detail) => [(detail.path ?? '').replace(prefix, ''), detail.message ?? 'invalid']));
}

export function RetentionEditor({ policy, onSaved, onCancel }: { policy: RetentionPolicy; onSaved: () => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(policy));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [run, setRun] = useState<{ of: string; result: RetentionDryRun }>();
  const [busy, setBusy] = useState<'dry-run' | 'save'>();
  const built = policyOf(draft);
  const key = 'policy' in built ? JSON.stringify(built.policy) : undefined;
  const shown = run && run.of === key ? run.result : undefined;

  const change = (next: Draft) => {
    setDraft(next);
    setErrors({});
  };
  const setRule = (i: number, patch: Partial<DraftRule>) =>
    change({ ...draft, rules: draft.rules.map((rule, j) => (j === i ? { ...rule, ...patch } : rule)) });

  const dryRun = async () => {
    if ('errors' in built) return setErrors(built.errors);
    setBusy('dry-run');
    try {
      const result = await api<RetentionDryRun>('POST', '/v1/privacy/retention/dry-run', { json: { policy: built.policy } });
      setRun({ of: JSON.stringify(built.policy), result });
    } catch (failure) {
      setErrors(errorsOf(failure, 'policy.'));
    } finally {
      setBusy(undefined);
    }
  };
  const save = async () => {
    if ('errors' in built) return setErrors(built.errors);
    if (!draft.reason.trim()) return setErrors({ reason: 'say why the policy changes: the audit log keeps it' });
    setBusy('save');
    try {
      await api('PUT', '/v1/privacy/retention', { json: { ...built.policy, reason: draft.reason.trim() } });
      onSaved();
    } catch (failure) {
      setErrors(errorsOf(failure));
    } finally {
      setBusy(undefined);
    }
  };

  /** A field's error, tied to it for screen readers. */
  const invalid = (path: string) =>
    errors[path] ? { 'aria-invalid': true, 'aria-describedby': `retention-error-${path.replace(/\W/g, '-')}` } : {};
  const problem = (path: string) =>
    errors[path] && (
      <span class="privacy-field-error" id={`retention-error-${path.replace(/\W/g, '-')}`}>
        {errors[path]}
      </span>
    );

  return (
    <section class="dash-card" aria-labelledby="retention-editor-title">
      <header class="dash-card-header">
        <h2 id="retention-editor-title">Edit the retention policy</h2>
        <span class="dash-muted">empty rules: everything is kept</span>
      </header>
      <form
        class="privacy-form retention-editor"
        aria-label="Retention policy"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        {draft.rules.map((rule, i) => (
          <fieldset key={i} class="retention-rule">
            <legend>Rule {i + 1}: remove events</legend>
            <label>
              Event name
              <input
                type="text"
                placeholder="any event"
                value={rule.event}
                onInput={(e) => setRule(i, { event: e.currentTarget.value })}
                {...invalid(`events.${i}.event`)}
              />
              {problem(`events.${i}.event`)}
            </label>
            <label>
              Type
              <select value={rule.type} onChange={(e) => setRule(i, { type: e.currentTarget.value })} {...invalid(`events.${i}.type`)}>
                <option value="">any type</option>
                {EVENT_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {type}
                  </option>
                ))}
              </select>
              {problem(`events.${i}.type`)}
            </label>
            <label>
              Older than (days)
              <input
                type="number"
                min={1}
                inputMode="numeric"
                value={rule.olderThanDays}
                onInput={(e) => setRule(i, { olderThanDays: e.currentTarget.value })}
                {...invalid(`events.${i}.olderThanDays`)}
              />
              {problem(`events.${i}.olderThanDays`)}
            </label>
            <button
              type="button"
              class="dash-button-quiet"
              onClick={() => change({ ...draft, rules: draft.rules.filter((_, j) => j !== i) })}
            >
              Remove rule {i + 1}
            </button>
          </fieldset>
        ))}
        <button
          type="button"
          class="dash-button-quiet"
          onClick={() => change({ ...draft, rules: [...draft.rules, { event: '', type: '', olderThanDays: '365' }] })}
        >
          Add a rule
        </button>
        <label>
          Erase people not seen for (days)
          <input
            type="number"
            min={1}
            inputMode="numeric"
            placeholder="never"
            value={draft.inactivePeopleDays}
            onInput={(e) => change({ ...draft, inactivePeopleDays: e.currentTarget.value })}
            {...invalid('inactivePeopleDays')}
          />
          {problem('inactivePeopleDays')}
        </label>
        <label>
          Reason (kept in the audit log)
          <input
            type="text"
            value={draft.reason}
            onInput={(e) => change({ ...draft, reason: e.currentTarget.value })}
            {...invalid('reason')}
          />
          {problem('reason')}
        </label>
        {errors[''] && (
          <p class="dash-error" role="alert">
            {errors['']}
          </p>
        )}
        {Object.keys(errors).some((path) => path !== '') && (
          <p class="dash-error" role="alert">
            Check the fields marked above.
          </p>
        )}
        <div class="retention-actions">
          <button type="button" class="dash-button" disabled={busy !== undefined} onClick={() => void dryRun()}>
            {busy === 'dry-run' ? 'Counting…' : 'Dry run this policy'}
          </button>
          <button type="submit" class="dash-button dash-button-primary" disabled={busy !== undefined || !shown}>
            {busy === 'save' ? 'Saving…' : 'Save policy'}
          </button>
          <button type="button" class="dash-button-quiet" onClick={onCancel}>
            Cancel
          </button>
        </div>
        {!shown && <p class="dash-muted">Saving is offered once the dry run of this draft is shown.</p>}
      </form>
      {shown && <DryRunTable run={shown} title="If this policy ran now" label="Dry run of the draft" />}
    </section>
  );
}
