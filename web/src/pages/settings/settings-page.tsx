/**
 * Settings (admins only; the server refuses everyone else): the privacy page's look (the
 * shop's name, logo, colours, the data protection officer) and the names it gives traits,
 * events and templates in English and Polish. Saved as a whole with
 * PUT /v1/settings/portal; the server's refusals are shown beside the field they name.
 * A link opens the page as a person sees it, over made-up data.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, describeError, get } from '../../api';
import { LabelsEditor, labelsFromRows, rowsFromLabels, type LabelKind, type LabelRow } from './labels-editor';
import type { PortalSettings } from './types';

const COLOURS = [
  { key: 'accent', label: 'Accent colour', hint: 'links and buttons', fallback: '#1a5fb4' },
  { key: 'background', label: 'Background colour', hint: 'the page', fallback: '#ffffff' },
  { key: 'text', label: 'Text colour', hint: 'on the background', fallback: '#1f2328' },
] as const;

type Draft = {
  shopName: string;
  logoUrl: string;
  colours: Record<(typeof COLOURS)[number]['key'], string>;
  dpoEmail: string;
  dpoPostal: string;
  labels: Record<LabelKind, LabelRow[]>;
};

function draftOf(settings: PortalSettings): Draft {
  return {
    shopName: settings.shopName ?? '',
    logoUrl: settings.logoUrl ?? '',
    colours: { accent: settings.colours?.accent ?? '', background: settings.colours?.background ?? '', text: settings.colours?.text ?? '' },
    dpoEmail: settings.dpoContact?.email ?? '',
    dpoPostal: settings.dpoContact?.postal ?? '',
    labels: rowsFromLabels(settings.labels),
  };
}

/** What the form says, as the API takes it: an empty field is left out (its default applies). */
function settingsOf(draft: Draft): PortalSettings {
  const text = (value: string) => (value.trim() ? value.trim() : undefined);
  const colours = Object.fromEntries(Object.entries(draft.colours).flatMap(([key, value]) => (text(value) ? [[key, text(value)]] : [])));
  const dpo = { email: text(draft.dpoEmail), postal: text(draft.dpoPostal) };
  const labels = labelsFromRows(draft.labels);
  return JSON.parse(
    JSON.stringify({
      shopName: text(draft.shopName),
      logoUrl: text(draft.logoUrl),
      colours: Object.keys(colours).length > 0 ? colours : undefined,
      dpoContact: dpo.email || dpo.postal ? dpo : undefined,
      labels,
    }),
  ) as PortalSettings;
}

/** The server's problems by field path (`colours.text`, `labels.traits.first_name.pl`). */
function problemsOf(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const details = (error.body as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return {};
  const problems: Record<string, string> = {};
  for (const detail of details as { path?: string; message?: string }[]) {
    if (detail.path !== undefined && detail.message) problems[detail.path] = detail.message;
  }
  return problems;
}

function FieldError({ problems, path, id }: { problems: Record<string, string>; path: string; id: string }) {
  const message = problems[path];
  return message ? (
    <p class="form-error" id={id} role="alert">
      {message}
    </p>
  ) : null;
}

export function SettingsPage() {
  const [draft, setDraft] = useState<Draft>();
  const [loadError, setLoadError] = useState<string>();
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get<PortalSettings>('/v1/settings/portal').then(
      (settings) => setDraft(draftOf(settings)),
      (failure: unknown) => setLoadError(describeError(failure)),
    );
  }, []);

  const save = async (event: Event) => {
    event.preventDefault();
    if (!draft) return;
    setBusy(true);
    setNotice(undefined);
    setFormError(undefined);
    setProblems({});
    try {
      const saved = await api<PortalSettings>('PUT', '/v1/settings/portal', { json: settingsOf(draft) });
      setDraft(draftOf(saved));
      setNotice('Saved. The privacy page shows the new settings from its next page.');
    } catch (failure) {
      const found = problemsOf(failure);
      setProblems(found);
      setFormError(Object.keys(found).length > 0 ? 'Nothing was saved: fix the fields marked below.' : describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  if (loadError)
    return (
      <section class="page">
        <h1>Settings</h1>
        <p class="state state-error" role="alert">
          {loadError}
        </p>
      </section>
    );
  if (!draft)
    return (
      <p class="state state-loading" role="status">
        Loading settings…
      </p>
    );

  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const describedBy = (path: string, id: string) => (problems[path] ? id : undefined);

  return (
    <section class="page settings-page" aria-labelledby="settings-title">
      <header class="page-header">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p class="muted">How the privacy page looks to the people whose data you hold, and the names it uses.</p>
        </div>
        <p class="settings-preview">
          <a href="/v1/settings/portal/preview?lang=en" target="_blank" rel="noopener">
            See the privacy page as a person sees it
          </a>{' '}
          <span class="muted">
            (
            <a href="/v1/settings/portal/preview?lang=pl" target="_blank" rel="noopener" hreflang="pl">
              po polsku
            </a>
            ; saved settings, made-up data)
          </span>
        </p>
      </header>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <form class="settings-form" onSubmit={save} aria-labelledby="settings-title" noValidate>
        <div class="card form">
          <h2 class="card-title">The shop</h2>
          <label for="settings-shop-name">Shop name</label>
          <input
            id="settings-shop-name"
            value={draft.shopName}
            maxLength={100}
            aria-describedby={describedBy('shopName', 'settings-shop-name-error')}
            onInput={(e) => set({ shopName: e.currentTarget.value })}
          />
          <FieldError problems={problems} path="shopName" id="settings-shop-name-error" />
          <label for="settings-logo">Logo address</label>
          <input
            id="settings-logo"
            type="url"
            placeholder="https://…"
            value={draft.logoUrl}
            aria-invalid={problems.logoUrl ? true : undefined}
            aria-describedby={describedBy('logoUrl', 'settings-logo-error')}
            onInput={(e) => set({ logoUrl: e.currentTarget.value })}
          />
          <p class="hint">An https address; the page loads nothing else from another host. Leave it empty for no logo.</p>
          <FieldError problems={problems} path="logoUrl" id="settings-logo-error" />
          <div class="settings-colours">
            {COLOURS.map((colour) => {
              const path = `colours.${colour.key}`;
              const id = `settings-colour-${colour.key}`;
              const value = draft.colours[colour.key];
              return (
                <div key={colour.key} class="settings-colour">
                  <label for={id}>{colour.label}</label>
                  <div class="settings-colour-input">
                    <span
                      class="settings-swatch"
                      aria-hidden="true"
                      style={{ background: /^#[0-9a-f]{6}$/i.test(value) ? value : colour.fallback }}
                    />
                    <input
                      id={id}
                      value={value}
                      placeholder={colour.fallback}
                      pattern="#[0-9a-fA-F]{6}"
                      aria-invalid={problems[path] ? true : undefined}
                      aria-describedby={describedBy(path, `${id}-error`)}
                      onInput={(e) => set({ colours: { ...draft.colours, [colour.key]: e.currentTarget.value } })}
                    />
                  </div>
                  <p class="hint">{colour.hint}</p>
                  <FieldError problems={problems} path={path} id={`${id}-error`} />
                </div>
              );
            })}
          </div>
        </div>
        <div class="card form">
          <h2 class="card-title">Data protection officer</h2>
          <p class="hint">Shown at the foot of every privacy page.</p>
          <label for="settings-dpo-email">E-mail address</label>
          <input
            id="settings-dpo-email"
            type="email"
            value={draft.dpoEmail}
            aria-invalid={problems['dpoContact.email'] ? true : undefined}
            aria-describedby={describedBy('dpoContact.email', 'settings-dpo-email-error')}
            onInput={(e) => set({ dpoEmail: e.currentTarget.value })}
          />
          <FieldError problems={problems} path="dpoContact.email" id="settings-dpo-email-error" />
          <label for="settings-dpo-postal">Postal address</label>
          <textarea
            id="settings-dpo-postal"
            rows={3}
            maxLength={500}
            value={draft.dpoPostal}
            onInput={(e) => set({ dpoPostal: e.currentTarget.value })}
          />
          <FieldError problems={problems} path="dpoContact.postal" id="settings-dpo-postal-error" />
        </div>
        <LabelsEditor rows={draft.labels} problems={problems} onChange={(labels) => set({ labels })} />
        <div class="settings-actions">
          {formError && (
            <p class="form-error" role="alert">
              {formError}
            </p>
          )}
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save settings'}
          </button>
        </div>
      </form>
    </section>
  );
}
