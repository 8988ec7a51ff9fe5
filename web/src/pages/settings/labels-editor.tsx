/**
 * The names the privacy page gives traits, events and templates, per language: one table
 * per kind, a row per name. A row with a name and no label in either language is left out
 * when saving; the server names any other problem by its path, shown on its row.
 */
import type { PortalSettings } from './types';

export type LabelKind = 'traits' | 'events' | 'templates';
export interface LabelRow {
  key: string;
  en: string;
  pl: string;
}

const KINDS: { kind: LabelKind; title: string; keyLabel: string; placeholder: string; help: string }[] = [
  {
    kind: 'traits',
    title: 'Traits',
    keyLabel: 'Trait',
    placeholder: 'loyalty_tier',
    help: 'Without a label a trait is shown by its key made readable (first_name → “First name”; common ones are named in both languages).',
  },
  {
    kind: 'events',
    title: 'Events',
    keyLabel: 'Event',
    placeholder: 'Chapter Read',
    help: 'Without a label, Segment’s standard events (identify, page, Order Completed…) are named in both languages; others are shown as sent.',
  },
  {
    kind: 'templates',
    title: 'E-mail templates',
    keyLabel: 'Template',
    placeholder: 'ebook_chapter',
    help: 'Without a label a message is shown by its template’s subject, never by the template’s name.',
  },
];

export function rowsFromLabels(labels: PortalSettings['labels']): Record<LabelKind, LabelRow[]> {
  const rows = (kind: LabelKind) =>
    Object.entries(labels?.[kind] ?? {}).map(([key, label]) => ({ key, en: label.en ?? '', pl: label.pl ?? '' }));
  return { traits: rows('traits'), events: rows('events'), templates: rows('templates') };
}

export function labelsFromRows(rows: Record<LabelKind, LabelRow[]>): PortalSettings['labels'] {
  const labels: NonNullable<PortalSettings['labels']> = {};
  for (const { kind } of KINDS) {
    const entries = rows[kind]
      .filter((row) => row.key.trim() && (row.en.trim() || row.pl.trim()))
      .map((row) => [row.key.trim(), { ...(row.en.trim() ? { en: row.en.trim() } : {}), ...(row.pl.trim() ? { pl: row.pl.trim() } : {}) }]);
    if (entries.length > 0) labels[kind] = Object.fromEntries(entries);
  }
  return Object.keys(labels).length > 0 ? labels : undefined;
}

/** A row's problem: the server's for its key, its English or its Polish label. */
function rowProblem(problems: Record<string, string>, kind: LabelKind, key: string): string | undefined {
  const base = `labels.${kind}.${key.trim()}`;
  return problems[base] ?? problems[`${base}.en`] ?? problems[`${base}.pl`];
}

export function LabelsEditor({
  rows,
  problems,
  onChange,
}: {
  rows: Record<LabelKind, LabelRow[]>;
  problems: Record<string, string>;
  onChange: (rows: Record<LabelKind, LabelRow[]>) => void;
}) {
  const update = (kind: LabelKind, index: number, change: Partial<LabelRow>) =>
    onChange({ ...rows, [kind]: rows[kind].map((row, i) => (i === index ? { ...row, ...change } : row)) });
  return (
    <div class="card">
      <h2 class="card-title">Names on the privacy page</h2>
      <p class="hint">What a person reads instead of your data’s keys, in English and Polish.</p>
      {KINDS.map(({ kind, title, keyLabel, placeholder, help }) => (
        <fieldset key={kind} class="settings-labels">
          <legend>{title}</legend>
          <p class="hint">{help}</p>
          {problems[`labels.${kind}`] && (
            <p class="form-error" role="alert">
              {problems[`labels.${kind}`]}
            </p>
          )}
          {rows[kind].length > 0 && (
            <table class="table settings-labels-table" aria-label={`${title} labels`}>
              <thead>
                <tr>
                  <th scope="col">{keyLabel}</th>
                  <th scope="col">English</th>
                  <th scope="col">Polish</th>
                  <th scope="col">
                    <span class="visually-hidden">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows[kind].map((row, index) => {
                  const problem = rowProblem(problems, kind, row.key);
                  const name = row.key || `new ${keyLabel.toLowerCase()} ${index + 1}`;
                  return (
                    <tr key={index}>
                      <td>
                        <input
                          aria-label={`${keyLabel} ${index + 1}`}
                          placeholder={placeholder}
                          value={row.key}
                          maxLength={200}
                          onInput={(e) => update(kind, index, { key: e.currentTarget.value })}
                        />
                        {problem && (
                          <p class="form-error" role="alert">
                            {problem}
                          </p>
                        )}
                      </td>
                      <td>
                        <input
                          aria-label={`English name of ${name}`}
                          value={row.en}
                          maxLength={120}
                          onInput={(e) => update(kind, index, { en: e.currentTarget.value })}
                        />
                      </td>
                      <td>
                        <input
                          aria-label={`Polish name of ${name}`}
                          lang="pl"
                          value={row.pl}
                          maxLength={120}
                          onInput={(e) => update(kind, index, { pl: e.currentTarget.value })}
                        />
                      </td>
                      <td class="actions-cell">
                        <button
                          type="button"
                          class="button button-small button-quiet"
                          aria-label={`Remove ${name}`}
                          onClick={() => onChange({ ...rows, [kind]: rows[kind].filter((_, i) => i !== index) })}
                        >
                          Remove
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <button
            type="button"
            class="button button-small"
            onClick={() => onChange({ ...rows, [kind]: [...rows[kind], { key: '', en: '', pl: '' }] })}
          >
            Add {keyLabel.toLowerCase()} name
          </button>
        </fieldset>
      ))}
    </div>
  );
}
