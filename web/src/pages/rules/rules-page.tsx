/**
 * Rules: the active program in the editor, diagnostics as you type, and "Review and
 * deploy". The text being edited is a draft kept in this browser until it is deployed.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, ApiError, describeError, get } from '../../api';
import type { CompileAnswer } from '../../editor/compile-protocol';
import type { Catalog } from '../../editor/completion';
import { createRuleEditor, type RuleEditor } from '../../editor/rule-editor';
import { canDeploy, useSession } from '../../session';
import { clearDraft, loadDraft, saveDraft } from './draft';
import { countProblems, ProblemList } from './problems';
import { SimulateDialog } from './simulate-dialog';
import { SummaryDialog } from './summary-dialog';
import type { ActiveRules, DeployAnswer } from './types';

/** Saving the draft on every key would write the whole program each time. */
const DRAFT_SAVE_DELAY_MS = 400;

type Loaded = { active: ActiveRules | null };

export function RulesPage() {
  const session = useSession();
  const [loaded, setLoaded] = useState<Loaded>();
  const [loadError, setLoadError] = useState<string>();
  useEffect(() => {
    get<ActiveRules>('/v1/rules').then(
      (active) => setLoaded({ active }),
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404) setLoaded({ active: null });
        else setLoadError(describeError(error));
      },
    );
  }, []);
  return (
    <section class="page page-wide" aria-labelledby="rules-title">
      <header class="page-header">
        <div>
          <h1 id="rules-title">Rules</h1>
          <p class="muted">
            {loaded?.active ? (
              <>
                Active: version {loaded.active.version}, deployed {formatWhen(loaded.active.deployedAt)}
                {loaded.active.deployedBy ? ` by ${loaded.active.deployedBy}` : ''}
              </>
            ) : loaded ? (
              'Nothing deployed yet: write the first program below.'
            ) : (
              ' '
            )}
          </p>
        </div>
        <Link href="/rules/versions" class="button">
          Versions
        </Link>
      </header>
      {loadError && (
        <p class="state state-error" role="alert">
          The rules could not be loaded: {loadError}
        </p>
      )}
      {!loaded && !loadError && (
        <p class="state state-loading" role="status">
          Loading the rules…
        </p>
      )}
      {loaded && <Workbench user={session.user.name} mayDeploy={canDeploy(session.user.role)} initial={loaded.active} />}
    </section>
  );
}

function Workbench({ user, mayDeploy, initial }: { user: string; mayDeploy: boolean; initial: ActiveRules | null }) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<RuleEditor>();
  const [active, setActive] = useState(initial);
  // The editor's change handler outlives renders: it reads the active version from here.
  const activeRef = useRef(initial);
  activeRef.current = active;
  const [source, setSource] = useState(() => loadDraft(user)?.source ?? initial?.source ?? '');
  const [compiled, setCompiled] = useState<CompileAnswer>();
  const [reviewing, setReviewing] = useState(false);
  const [simulating, setSimulating] = useState(false);
  const [deployed, setDeployed] = useState<DeployAnswer>();
  const draft = loadDraft(user);
  const staleBase = draft && draft.basedOn !== (active?.version ?? null);

  useEffect(() => {
    // The draft is written 400 ms after the last key, and at once when the page goes away
    // (a reload, another page, closing the tab): a key typed just before is not lost.
    let saveTimer: ReturnType<typeof setTimeout> | undefined;
    let pendingSave: (() => void) | undefined;
    const saveNow = () => {
      clearTimeout(saveTimer);
      pendingSave?.();
      pendingSave = undefined;
    };
    const instance = createRuleEditor({
      parent: host.current!,
      source,
      onChange: (text) => {
        setSource(text);
        setDeployed(undefined);
        pendingSave = () => {
          const current = activeRef.current;
          if (text === (current?.source ?? '')) clearDraft(user);
          else
            saveDraft(user, {
              source: text,
              basedOn: loadDraft(user)?.basedOn ?? current?.version ?? null,
              savedAt: new Date().toISOString(),
            });
        };
        clearTimeout(saveTimer);
        saveTimer = setTimeout(saveNow, DRAFT_SAVE_DELAY_MS);
      },
      onDiagnostics: setCompiled,
      readOnly: !mayDeploy,
    });
    editor.current = instance;
    window.addEventListener('pagehide', saveNow);
    // The catalogue may not be there (an older server, or no data yet): completion then
    // offers the program's own names and the keywords.
    get<Catalog>('/v1/catalog').then(
      (catalog) => instance.setCatalog(catalog),
      () => undefined,
    );
    return () => {
      window.removeEventListener('pagehide', saveNow);
      saveNow();
      instance.destroy();
    };
  }, []);

  const differs = source !== (active?.source ?? '');
  const diagnostics = compiled?.diagnostics ?? [];

  const discard = () => {
    clearDraft(user);
    editor.current?.replace(active?.source ?? '');
  };

  const onDeployed = (answer: DeployAnswer) => {
    setReviewing(false);
    clearDraft(user);
    setDeployed(answer);
    setActive({ version: answer.version, deployedAt: new Date().toISOString(), deployedBy: user, source });
  };

  return (
    <>
      <div class="toolbar" role="toolbar" aria-label="Draft">
        <p class="draft-state" role="status">
          {deployed ? (
            <span class="ok">Deployed as version {deployed.version}.</span>
          ) : differs ? (
            <>
              <span class="dot dot-draft" aria-hidden="true" />
              {active ? `Draft: differs from version ${active.version}` : 'Draft: not deployed yet'}
              {staleBase && active && draft?.basedOn !== null && ` (started from version ${draft?.basedOn})`}
            </>
          ) : active ? (
            <>Same as the active version {active.version}</>
          ) : (
            <>Empty</>
          )}
        </p>
        <div class="toolbar-actions">
          {differs && active && (
            <button type="button" class="button button-quiet" onClick={discard}>
              Discard draft
            </button>
          )}
          {mayDeploy && (
            <button
              type="button"
              class="button"
              onClick={() => setSimulating(true)}
              disabled={!compiled || compiled.declared.journeys.length === 0}
              title="What a journey of this draft would do for one person, before it goes live"
            >
              Simulate
            </button>
          )}
          {mayDeploy && (
            <button type="button" class="button button-primary" onClick={() => setReviewing(true)} disabled={!differs}>
              Review and deploy
            </button>
          )}
        </div>
      </div>
      <div class="editor-frame" ref={host} />
      <section class="problems-panel" aria-labelledby="problems-title">
        <h2 id="problems-title" class="problems-title">
          {compiled ? countProblems(diagnostics) : 'Checking…'}
          {compiled && <span class="muted compile-time"> · checked in {Math.round(compiled.compileMs)} ms</span>}
        </h2>
        <ProblemList diagnostics={diagnostics} onChoose={(d) => editor.current?.goTo(d.line, d.column)} />
      </section>
      {simulating && compiled && (
        <SimulateDialog
          source={source}
          journeys={compiled.declared.journeys}
          consents={compiled.declared.consents}
          onClose={() => setSimulating(false)}
        />
      )}
      {reviewing && (
        <SummaryDialog
          title="Review and deploy"
          source={source}
          confirmLabel="Deploy"
          confirm={(note) =>
            api<DeployAnswer>('PUT', '/v1/rules', { text: source, headers: note ? { 'x-itinera-note': encodeURIComponent(note) } : {} })
          }
          onDone={onDeployed}
          onClose={() => setReviewing(false)}
        />
      )}
    </>
  );
}

export function formatWhen(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
