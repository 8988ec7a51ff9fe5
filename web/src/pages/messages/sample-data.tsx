/**
 * What the preview and test sends render with: made-up traits and `with` values (editable
 * JSON, prefilled), or a real person found by an identifier, whose traits the server reads
 * (that read is recorded in the audit log, once per person and 10-minute window).
 */
import { useState } from 'preact/hooks';
import { describeError, get } from '../../api';
import type { PersonFound, SearchAnswer } from '../people/types';

export interface Person {
  profileId: string;
  label: string;
}

export interface SampleState {
  mode: 'sample' | 'person';
  traits: string;
  with: string;
  person?: Person;
}

export function SampleData({
  value,
  onChange,
  errors,
}: {
  value: SampleState;
  onChange: (next: SampleState) => void;
  errors: { traits?: string; with?: string };
}) {
  const [query, setQuery] = useState('');
  const [finding, setFinding] = useState(false);
  const [problem, setProblem] = useState<string>();

  const find = async (event: Event) => {
    event.preventDefault();
    setProblem(undefined);
    setFinding(true);
    try {
      const answer = await get<SearchAnswer>(`/v1/people?by=identifier&limit=1&value=${encodeURIComponent(query.trim())}`);
      const found: PersonFound | undefined = answer.people[0];
      if (!found) setProblem('No one has that identifier.');
      else
        onChange({ ...value, mode: 'person', person: { profileId: found.profileId, label: found.email ?? found.name ?? found.profileId } });
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setFinding(false);
    }
  };

  return (
    <section class="dash-card messages-sample" aria-labelledby="sample-title">
      <h2 id="sample-title">Render with</h2>
      <fieldset class="messages-modes">
        <legend class="dash-visually-hidden">Data</legend>
        <label>
          <input type="radio" name="data" checked={value.mode === 'sample'} onChange={() => onChange({ ...value, mode: 'sample' })} />{' '}
          Sample data
        </label>
        <label>
          <input
            type="radio"
            name="data"
            checked={value.mode === 'person'}
            disabled={!value.person}
            onChange={() => onChange({ ...value, mode: 'person' })}
          />{' '}
          {value.person ? `A person: ${value.person.label}` : 'A person (find one below)'}
        </label>
      </fieldset>
      <form class="dash-search messages-find" onSubmit={find} aria-label="Find a person to render for">
        <label>
          Person
          <input type="search" value={query} placeholder="e-mail, user id or profile id" onInput={(e) => setQuery(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={finding || query.trim() === ''}>
          Use this person
        </button>
        {problem && (
          <span class="dash-error-inline" role="alert">
            {problem}
          </span>
        )}
      </form>
      <div class="messages-json">
        <label class="dash-draft">
          Traits (JSON)
          <textarea
            rows={7}
            value={value.mode === 'person' ? "The person's own traits, read by the server." : value.traits}
            disabled={value.mode === 'person'}
            aria-invalid={errors.traits ? 'true' : undefined}
            onInput={(e) => onChange({ ...value, traits: e.currentTarget.value })}
          />
          {errors.traits && <span class="dash-error-inline">{errors.traits}</span>}
        </label>
        <label class="dash-draft">
          with values (JSON)
          <textarea
            rows={7}
            value={value.with}
            aria-invalid={errors.with ? 'true' : undefined}
            onInput={(e) => onChange({ ...value, with: e.currentTarget.value })}
          />
          {errors.with && <span class="dash-error-inline">{errors.with}</span>}
        </label>
      </div>
      <p class="dash-muted">Rendering for a person reads their traits: it is recorded in the audit log.</p>
    </section>
  );
}
