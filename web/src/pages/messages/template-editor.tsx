/**
 * One template: subject, HTML part and text part in Liquid, a preview rendered by the
 * server 300 ms after the last change (POST /v1/templates/render: nothing is stored), its
 * mistakes listed with part, line and column and marked in the editor, Save (PUT), and a
 * test send. A name without a template opens an empty one: saving creates it. Leaving with
 * unsaved changes asks first. Viewers read the template; the server refuses them the rest.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, ApiError, get } from '../../api';
import { Failed, Loading, when } from '../../charts/states';
import { canEditRules, useSession } from '../../session';
import { createLiquidEditor, type LiquidEditor } from './liquid-editor';
import { Preview } from './preview';
import { parseObject, sampleTraits, sampleWith, type CatalogTraits } from './sample';
import { SampleData, type SampleState } from './sample-data';
import { TestSend } from './test-send';
import type { Part, RenderData, Rendered, StoredTemplate, TemplateList, TemplateParts, TemplateProblem } from './types';
import { UsedBy } from './used-by';

/** The pause after the last key before the preview is rendered again. */
export const PREVIEW_DELAY_MS = 300;

const NEW_TEMPLATE: TemplateParts = {
  subject: 'Hello {{ traits.first_name | default: "there" }}',
  html: '<p>Hello {{ traits.first_name | default: "there" }},</p>\n<p>…</p>\n',
  text: '',
};

interface Loaded {
  stored: StoredTemplate | null;
  usedBy: string[];
  /** Sent by the active rules, not stored: their sends fail until it is saved. */
  missing: boolean;
}

type Problem422 = { error: { code: string; message: string; details?: TemplateProblem[] } };

const isProblem = (answer: unknown): answer is Problem422 => typeof answer === 'object' && answer !== null && 'error' in answer;

/** What is sent: an empty text part is no text part. */
const partsOf = (draft: TemplateParts): TemplateParts => ({
  subject: draft.subject,
  html: draft.html,
  ...(draft.text ? { text: draft.text } : {}),
});

const same = (a: TemplateParts, b: TemplateParts) => a.subject === b.subject && a.html === b.html && (a.text ?? '') === (b.text ?? '');

export function TemplateEditor({ name }: { name: string }) {
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    Promise.all([
      get<StoredTemplate>(`/v1/templates/${encodeURIComponent(name)}`).catch((failure: unknown) => {
        if (failure instanceof ApiError && failure.status === 404) return null;
        throw failure;
      }),
      get<TemplateList>('/v1/templates'),
    ]).then(
      ([stored, list]) =>
        setLoaded({ stored, usedBy: list.templates.find((t) => t.name === name)?.usedBy ?? [], missing: list.missing.includes(name) }),
      setError,
    );
  }, [name]);
  return (
    <>
      <nav class="dash-crumbs" aria-label="Breadcrumb">
        <Link href="/messages/templates">Templates</Link> <span aria-hidden="true">›</span>
      </nav>
      {!loaded && error && <Failed error={error} what="template" />}
      {!loaded && !error && <Loading what="template" />}
      {loaded && <Workbench name={name} loaded={loaded} />}
    </>
  );
}

function Workbench({ name, loaded }: { name: string; loaded: Loaded }) {
  const { user } = useSession();
  const mayEdit = canEditRules(user.role);
  const initial: TemplateParts = loaded.stored
    ? { subject: loaded.stored.subject, html: loaded.stored.html, text: loaded.stored.text ?? '' }
    : NEW_TEMPLATE;
  const [saved, setSaved] = useState<TemplateParts | null>(loaded.stored ? initial : null);
  const [savedAt, setSavedAt] = useState(loaded.stored?.updatedAt);
  const [draft, setDraft] = useState<TemplateParts>(initial);
  const [problems, setProblems] = useState<TemplateProblem[]>([]);
  const [rendered, setRendered] = useState<Rendered>();
  const [renderState, setRenderState] = useState<'idle' | 'rendering' | 'stale'>('idle');
  const [saving, setSaving] = useState(false);
  const [saveNote, setSaveNote] = useState<{ ok: boolean; text: string }>();
  const [sample, setSample] = useState<SampleState>(() => ({
    mode: 'sample',
    traits: JSON.stringify(sampleTraits(`${initial.subject}${initial.html}${initial.text}`, undefined), null, 2),
    with: JSON.stringify(sampleWith(`${initial.subject}${initial.html}${initial.text}`), null, 2),
  }));
  // A new template may be saved as it is; leaving it untouched loses nothing.
  const dirty = saved === null || !same(draft, saved);
  const changed = !same(draft, saved ?? NEW_TEMPLATE);

  const htmlHost = useRef<HTMLDivElement>(null);
  const textHost = useRef<HTMLDivElement>(null);
  const editors = useRef<{ html?: LiquidEditor; text?: LiquidEditor }>({});

  useEffect(() => {
    const readOnly = !mayEdit;
    editors.current.html = createLiquidEditor({
      parent: htmlHost.current!,
      doc: initial.html,
      label: 'HTML part',
      readOnly,
      onChange: (html) => setDraft((d) => ({ ...d, html })),
    });
    editors.current.text = createLiquidEditor({
      parent: textHost.current!,
      doc: initial.text ?? '',
      label: 'Text part',
      readOnly,
      onChange: (text) => setDraft((d) => ({ ...d, text })),
    });
    // The catalogue's traits join the sample, unless the user already changed it.
    get<CatalogTraits>('/v1/catalog').then(
      (catalog) =>
        setSample((current) => {
          const source = `${initial.subject}${initial.html}${initial.text}`;
          const untouched = current.traits === JSON.stringify(sampleTraits(source, undefined), null, 2);
          return untouched ? { ...current, traits: JSON.stringify(sampleTraits(source, catalog), null, 2) } : current;
        }),
      () => undefined,
    );
    return () => {
      editors.current.html?.destroy();
      editors.current.text?.destroy();
    };
  }, []);

  const sampleErrors = useMemo(() => {
    const traits = sample.mode === 'sample' ? parseObject(sample.traits) : { value: {} };
    const values = parseObject(sample.with);
    return { traits, values };
  }, [sample]);
  const data: RenderData | undefined = useMemo(() => {
    const { traits, values } = sampleErrors;
    if ('error' in traits || 'error' in values) return undefined;
    if (sample.mode === 'person' && sample.person) return { profileId: sample.person.profileId, sample: { with: values.value } };
    return { sample: { traits: traits.value, with: values.value } };
  }, [sampleErrors, sample]);

  // The live preview: rendered again a moment after the last change; an older answer that
  // arrives after a newer request is dropped.
  const sequence = useRef(0);
  useEffect(() => {
    if (!mayEdit || !data) return;
    const mine = ++sequence.current;
    setRenderState('rendering');
    const timer = setTimeout(async () => {
      try {
        const answer = await api<Rendered | Problem422>('POST', '/v1/templates/render', {
          json: { ...partsOf(draft), ...data },
          accept: [422],
        });
        if (mine !== sequence.current) return;
        if (isProblem(answer)) {
          setProblems(answer.error.details ?? []);
          setRenderState('stale');
        } else {
          setProblems([]);
          setRendered(answer);
          setRenderState('idle');
        }
      } catch (failure) {
        if (mine !== sequence.current) return;
        setProblems([{ part: 'html', message: failure instanceof Error ? failure.message : String(failure) }]);
        setRenderState('stale');
      }
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft, data]);

  // Each part's editor marks its own problems.
  useEffect(() => {
    for (const part of ['html', 'text'] as const)
      editors.current[part]?.mark(
        problems
          .filter((p) => p.part === part && p.line !== undefined)
          .map((p) => ({ line: p.line!, column: p.column ?? 1, message: p.message })),
      );
  }, [problems]);

  useUnsavedGuard(changed && mayEdit);

  const save = async () => {
    setSaving(true);
    setSaveNote(undefined);
    const parts = partsOf(draft);
    try {
      const answer = await api<{ created: boolean } | Problem422>('PUT', `/v1/templates/${encodeURIComponent(name)}`, {
        json: parts,
        accept: [422],
      });
      if (isProblem(answer)) {
        setProblems(answer.error.details ?? []);
        setSaveNote({ ok: false, text: 'Not saved: the template has mistakes (below).' });
      } else {
        setSaved(draft);
        setSavedAt(new Date().toISOString());
        setSaveNote({ ok: true, text: answer.created ? 'Created.' : 'Saved.' });
      }
    } catch (failure) {
      setSaveNote({ ok: false, text: `Not saved: ${failure instanceof Error ? failure.message : String(failure)}` });
    } finally {
      setSaving(false);
    }
  };

  const subjectProblem = problems.find((p) => p.part === 'subject');
  return (
    <div class="messages-workbench">
      <header class="dash-header messages-template-header">
        <div>
          <h2 class="messages-template-name">
            {name}
            {!saved && <span class="dash-badge dash-badge-paused">new</span>}
          </h2>
          <p class="dash-subtitle">
            {savedAt ? `Last change ${when(savedAt)}` : 'Not saved yet'}
            {dirty && saved && ' · unsaved changes'}
          </p>
          {!loaded.missing && (
            <div class="messages-used">
              <span class="dash-muted">Used by</span> <UsedBy usedBy={loaded.usedBy} />
            </div>
          )}
        </div>
        {mayEdit && (
          <div class="dash-header-side">
            <button type="button" class="dash-button-primary" disabled={saving || !dirty} onClick={save}>
              {saving ? 'Saving…' : 'Save'}
            </button>
            {saveNote && (
              <span class={saveNote.ok ? 'messages-saved' : 'dash-error-inline'} role={saveNote.ok ? 'status' : 'alert'}>
                {saveNote.text}
              </span>
            )}
          </div>
        )}
      </header>
      {loaded.missing && !saved && (
        <p class="dash-error" role="status">
          The active rules send “{name}”, and there is no such template: those sends fail until it is saved.
        </p>
      )}
      {!mayEdit && <p class="notice">You can read this template. Editing, previews and test sends are for admins and marketers.</p>}
      <div class="messages-layout">
        <div class="messages-edit">
          <label class="dash-draft messages-subject-field">
            Subject
            <input
              value={draft.subject}
              readOnly={!mayEdit}
              aria-invalid={subjectProblem ? 'true' : undefined}
              onInput={(e) => setDraft((d) => ({ ...d, subject: e.currentTarget.value }))}
            />
          </label>
          <div class="messages-part">
            <span class="messages-part-label" aria-hidden="true">
              HTML part
            </span>
            <div class="messages-code messages-code-html" ref={htmlHost} />
          </div>
          <div class="messages-part">
            <span class="messages-part-label" aria-hidden="true">
              Text part <span class="dash-muted">(optional)</span>
            </span>
            <div class="messages-code messages-code-text" ref={textHost} />
          </div>
          <Problems
            problems={problems}
            onChoose={(p) => p.line !== undefined && p.part !== 'subject' && editors.current[p.part]?.goTo(p.line, p.column ?? 1)}
          />
          <p class="dash-muted messages-help">
            Liquid: <code>{'{{ traits.first_name }}'}</code>, <code>{'{{ with.chapter }}'}</code>, <code>{'{{ unsubscribe_url }}'}</code>,{' '}
            <code>{'{{ x | default: "…" }}'}</code>. In the HTML part every value is escaped; <code>| raw</code> keeps markup.
          </p>
        </div>
        <div class="messages-side">
          {mayEdit && <Preview rendered={rendered} state={renderState} problem={problems[0] && describeProblem(problems[0])} />}
          {mayEdit && (
            <SampleData
              value={sample}
              onChange={setSample}
              errors={{
                ...('error' in sampleErrors.traits ? { traits: sampleErrors.traits.error } : {}),
                ...('error' in sampleErrors.values ? { with: sampleErrors.values.error } : {}),
              }}
            />
          )}
          {mayEdit && <TestSend draft={partsOf(draft)} data={data} />}
        </div>
      </div>
    </div>
  );
}

const PART_NAMES: Record<Part, string> = { subject: 'Subject', html: 'HTML', text: 'Text' };

/** "HTML, line 5, column 4: …", for the preview's state. */
const describeProblem = (problem: TemplateProblem) =>
  `${PART_NAMES[problem.part]}${problem.line !== undefined ? `, line ${problem.line}, column ${problem.column ?? 1}` : ''}: ${problem.message}`;

function Problems({ problems, onChoose }: { problems: TemplateProblem[]; onChoose: (problem: TemplateProblem) => void }) {
  if (problems.length === 0) return null;
  return (
    <section class="problems-panel" aria-labelledby="template-problems-title">
      <h3 id="template-problems-title" class="problems-title">
        {problems.length === 1 ? '1 problem' : `${problems.length} problems`}
      </h3>
      <ul class="problems" aria-label="Template problems">
        {problems.map((problem) => (
          <li key={`${problem.part}-${problem.line}-${problem.column}-${problem.message}`}>
            <button type="button" class="problem messages-problem" onClick={() => onChoose(problem)}>
              <span class="severity severity-error">error</span>
              <span class="problem-code">{PART_NAMES[problem.part]}</span>
              <span class="problem-position">
                {problem.line !== undefined ? `line ${problem.line}, column ${problem.column ?? 1}` : ''}
              </span>
              <span class="problem-message">{problem.message}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * Unsaved changes: leaving the page (reload, closing the tab) asks the browser's question;
 * following a link inside the console asks ours first.
 */
function useUnsavedGuard(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const beforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    const click = (event: MouseEvent) => {
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (!link || link.getAttribute('target') === '_blank') return;
      if (!confirm('This template has unsaved changes. Leave without saving?')) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    window.addEventListener('beforeunload', beforeUnload);
    document.addEventListener('click', click, true);
    return () => {
      window.removeEventListener('beforeunload', beforeUnload);
      document.removeEventListener('click', click, true);
    };
  }, [active]);
}
