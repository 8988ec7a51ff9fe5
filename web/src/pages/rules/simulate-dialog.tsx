/**
 * "Simulate": what one journey of the draft would do for one person, before it goes live
 * (POST /v1/journeys/simulate: the real journey workflow on a clock of its own, nothing
 * written, nothing sent). The person is made up here (traits, consents, tags) or a stored
 * profile; the events are the trigger at once unless others are given. The timeline is
 * worded as `itinera simulate` prints it (src/simulation/format.ts).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeEntry, offsetText } from '../../../../src/simulation/format.js';
import type { SimulationResult } from '../../../../src/simulation/simulate.js';
import { api, ApiError, describeError } from '../../api';
import { ProblemList } from './problems';
import type { Diagnostic } from './types';

export interface SimulateDialogProps {
  source: string;
  /** The draft's journeys and consents, as the editor's last compile found them. */
  journeys: string[];
  consents: string[];
  onClose: () => void;
}

type PersonKind = 'made-up' | 'stored';

const SAMPLE_TRAITS = '{\n  "email": "ada@example.com",\n  "first_name": "Ada"\n}';

/** A JSON field's value, or the reason it is not one, named after the field's label. */
function parseJson(label: string, text: string): { value?: unknown; error?: string } {
  if (text.trim() === '') return {};
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `${label}: not JSON (${(error as Error).message})` };
  }
}

export function SimulateDialog(props: SimulateDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [journey, setJourney] = useState(props.journeys[0] ?? '');
  const [personKind, setPersonKind] = useState<PersonKind>('made-up');
  const [traits, setTraits] = useState(SAMPLE_TRAITS);
  const [granted, setGranted] = useState<Set<string>>(() => new Set(props.consents));
  const [tags, setTags] = useState('');
  const [profileId, setProfileId] = useState('');
  const [events, setEvents] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [draftErrors, setDraftErrors] = useState<Diagnostic[]>();
  const [result, setResult] = useState<{ answer: SimulationResult; tookMs: number }>();

  useEffect(() => dialog.current?.showModal(), []);

  const toggleConsent = (name: string) =>
    setGranted((current) => {
      const next = new Set(current);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  const run = async (event: Event) => {
    event.preventDefault();
    setProblem(undefined);
    setDraftErrors(undefined);
    setResult(undefined);
    const parsedTraits = parseJson('Traits', traits);
    const parsedEvents = parseJson('Events', events);
    const invalid = parsedTraits.error ?? parsedEvents.error;
    if (invalid) {
      setProblem(invalid);
      return;
    }
    const person =
      personKind === 'stored'
        ? { profileId: profileId.trim() }
        : {
            traits: parsedTraits.value ?? {},
            consents: Object.fromEntries(props.consents.map((name) => [name, granted.has(name) ? 'granted' : 'denied'])),
            tags: tags
              .split(',')
              .map((tag) => tag.trim())
              .filter(Boolean),
          };
    setBusy(true);
    const started = performance.now();
    try {
      const answer = await api<SimulationResult>('POST', '/v1/journeys/simulate', {
        json: { source: props.source, journey, person, ...(parsedEvents.value === undefined ? {} : { events: parsedEvents.value }) },
      });
      setResult({ answer, tookMs: performance.now() - started });
    } catch (error) {
      const diagnostics = error instanceof ApiError ? (error.body as { diagnostics?: Diagnostic[] } | undefined)?.diagnostics : undefined;
      if (diagnostics) setDraftErrors(diagnostics.filter((d) => d.severity === 'error'));
      else setProblem(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="simulate-title" onClose={props.onClose} onCancel={props.onClose}>
      <header class="dialog-header">
        <h2 id="simulate-title">Simulate a journey</h2>
        <button type="button" class="button button-quiet" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </header>
      <form class="dialog-body simulate-form" onSubmit={run}>
        <p class="muted">What the draft would do for one person, waits included, in a moment. Nothing is written and nothing is sent.</p>
        <label class="note-field">
          <span>Journey</span>
          <select aria-label="Journey" value={journey} onChange={(e) => setJourney((e.currentTarget as HTMLSelectElement).value)} required>
            {props.journeys.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <fieldset class="note-field">
          <legend>Person</legend>
          <label class="inline">
            <input type="radio" name="person" checked={personKind === 'made-up'} onChange={() => setPersonKind('made-up')} /> A made-up
            person
          </label>
          <label class="inline">
            <input type="radio" name="person" checked={personKind === 'stored'} onChange={() => setPersonKind('stored')} /> A stored profile
          </label>
        </fieldset>
        {personKind === 'made-up' ? (
          <>
            <label class="note-field">
              <span>Traits (JSON)</span>
              <textarea rows={3} value={traits} onInput={(e) => setTraits((e.currentTarget as HTMLTextAreaElement).value)} />
            </label>
            {props.consents.length > 0 && (
              <fieldset class="note-field">
                <legend>Consents granted</legend>
                {props.consents.map((name) => (
                  <label key={name} class="inline">
                    <input type="checkbox" checked={granted.has(name)} onChange={() => toggleConsent(name)} /> {name}
                  </label>
                ))}
              </fieldset>
            )}
            <label class="note-field">
              <span>Tags (comma-separated)</span>
              <input value={tags} onInput={(e) => setTags((e.currentTarget as HTMLInputElement).value)} />
            </label>
          </>
        ) : (
          <label class="note-field">
            <span>Profile id</span>
            <input value={profileId} onInput={(e) => setProfileId((e.currentTarget as HTMLInputElement).value)} required />
          </label>
        )}
        <label class="note-field">
          <span>Events (JSON, optional)</span>
          <textarea
            rows={2}
            value={events}
            placeholder={'[{"event": "Ebook Signup", "at": "+0s"}, {"event": "Unsubscribed", "at": "+2 days"}]'}
            onInput={(e) => setEvents((e.currentTarget as HTMLTextAreaElement).value)}
          />
          <small class="muted">Empty: the journey's trigger, at once.</small>
        </label>
        <div class="dialog-actions">
          <button type="submit" class="button button-primary" disabled={busy || !journey}>
            {busy ? 'Simulating…' : 'Run the simulation'}
          </button>
        </div>
        {problem && (
          <p class="form-error" role="alert">
            {problem}
          </p>
        )}
        {draftErrors && (
          <section class="summary-section" aria-labelledby="simulate-errors">
            <h3 id="simulate-errors" class="summary-refused">
              Cannot simulate: the draft has {draftErrors.length} error{draftErrors.length === 1 ? '' : 's'}
            </h3>
            <ProblemList diagnostics={draftErrors} label="Errors" />
          </section>
        )}
        {result && <Timeline result={result.answer} tookMs={result.tookMs} />}
      </form>
    </dialog>
  );
}

function Timeline({ result, tookMs }: { result: SimulationResult; tookMs: number }) {
  const section = useRef<HTMLElement>(null);
  // The answer comes below the form: bring it into view, as one reads on.
  useEffect(() => section.current?.scrollIntoView({ block: 'start' }), [result]);
  const start = Date.parse(result.startedAt);
  const at = (iso: string) => offsetText(Date.parse(iso) - start);
  return (
    <section ref={section} class="summary-section" aria-labelledby="timeline-title">
      <h3 id="timeline-title">What {result.journey} would do</h3>
      <p role="status">
        Outcome: <strong>{result.outcome}</strong> · simulated in {(tookMs / 1000).toFixed(1)} s · tags at the end:{' '}
        {result.tags.length > 0 ? result.tags.join(', ') : 'none'}
      </p>
      <table class="table timeline" aria-label="Timeline">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
          </tr>
        </thead>
        <tbody>
          {result.timeline.map((entry, index) => (
            <tr key={index} class={`timeline-${entry.kind.replace(' ', '-')}`}>
              <td class="timeline-when">{offsetText(entry.offsetMs)}</td>
              <td>{describeEntry(entry, at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
