/**
 * The privacy page's markup: plain HTML and forms, no script, so it works in any browser
 * and with JavaScript off. Every value from the database is escaped here; the routes pass
 * records, never markup. Traits, events and templates are named through portal/labels.ts,
 * who made each consent change through portal/changed-by.ts.
 */
import type { ConsentProjectionState, EventDoc, ProfileDoc } from '../../model.js';
import type { ConsentLedgerDoc } from '../../store/consents.js';
import type { DeliveryDoc } from '../../store/deliveries.js';
import type { PortalSettings } from '../../store/settings.js';
import { escapeHtml as esc } from '../person-page.js';
import { changedBy } from './changed-by.js';
import { eventLabel, templateLabel, traitLabel } from './labels.js';
import { formatInstant, LANGUAGES, TEXT, type Lang, type PortalText } from './text.js';

/** A consent the active rules declare, as the person sees it. */
export interface ChoiceView {
  purpose: string;
  title: string;
  state: ConsentProjectionState | 'unset';
  at?: Date;
  expiresAt?: Date;
}

export interface PortalView {
  lang: Lang;
  /** `/v1/portal/<token>`: where the page's forms post. */
  base: string;
  profile: ProfileDoc;
  choices: ChoiceView[];
  /** The person's ledger, newest first, with each purpose's title. */
  history: (Pick<ConsentLedgerDoc, 'at' | 'state' | 'origin' | 'proof'> & { title: string })[];
  events: EventDoc[];
  messages: Pick<DeliveryDoc, 'channel' | 'name' | 'status' | 'queuedAt' | 'sentAt'>[];
  /** The subject of each template the messages name, rendered for this person. */
  subjects: ReadonlyMap<string, string>;
  labels?: PortalSettings['labels'];
  /** The console's preview: sample data, every button disabled. */
  preview?: boolean;
}

const hidden = (name: string, value: string) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;

/** Other languages of the same page: plain links, keeping the path. */
export function languageLinks(path: string, lang: Lang): string {
  const links = LANGUAGES.filter((other) => other !== lang).map(
    (other) => `<a href="${esc(path)}?lang=${other}" lang="${other}" hreflang="${other}">${esc(TEXT[other].langName)}</a>`,
  );
  return `<p class="langs">${links.join(' · ')}</p>`;
}

/**
 * Every column has a name (an action column's is read by screen readers only), and every
 * cell carries its column's name, which a phone shows above it when rows become cards.
 */
function table(caption: string, headers: { text: string; hidden?: boolean }[], rows: string[][], kind?: 'pairs'): string {
  const head = `<tr>${headers.map((h) => `<th scope="col">${h.hidden ? `<span class="sr">${esc(h.text)}</span>` : esc(h.text)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => (headers[i]?.hidden ? `<td>${cell}</td>` : `<td data-label="${esc(headers[i]?.text ?? '')}">${cell}</td>`)).join('')}</tr>`,
    )
    .join('');
  return `<table aria-label="${esc(caption)}"${kind ? ` class="${kind}"` : ''}>${head}${body}</table>`;
}

const col = (text: string) => ({ text });

/** A trait's value as text: nested objects and lists as JSON. */
function valueText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function stateText(state: ChoiceView['state'], t: PortalText): string {
  switch (state) {
    case 'granted':
      return t.stateGranted;
    case 'revoked':
    case 'denied':
      return t.stateRevoked;
    case 'pending':
      return t.statePending;
    case 'expired':
      return t.stateExpired;
    case 'unset':
      return t.stateUnset;
  }
}

/** A track event by its name, the other calls by their type; a page or screen with its name. */
function describeEvent(event: EventDoc, view: PortalView): string {
  const name = event.type === 'track' ? (event.event ?? 'track') : event.type;
  const label = eventLabel(name, view.lang, view.labels);
  return (event.type === 'page' || event.type === 'screen') && event.name ? `${label}: ${event.name}` : label;
}

function choiceForm(view: PortalView, choice: ChoiceView, t: PortalText): string {
  // A pending grant can be withdrawn before it is confirmed.
  const on = choice.state === 'granted' || choice.state === 'pending';
  return (
    `<form method="post" action="${esc(view.base)}/consents">${hidden('purpose', choice.purpose)}${hidden('state', on ? 'revoked' : 'granted')}${hidden('lang', view.lang)}` +
    `<button type="submit" name="choice" value="${esc(choice.purpose)}"${view.preview ? ' disabled' : ''}>${esc(on ? t.turnOff : t.turnOn)}</button></form>`
  );
}

function choicesSection(view: PortalView, t: PortalText, lang: Lang): string {
  if (view.choices.length === 0) return `<p>${esc(t.noChoices)}</p>`;
  const rows = view.choices.map((choice) => {
    const when = [
      choice.at ? t.since(formatInstant(choice.at, lang)) : '',
      choice.state === 'granted' && choice.expiresAt ? t.until(formatInstant(choice.expiresAt, lang)) : '',
    ]
      .filter(Boolean)
      .join(', ');
    return [
      `<strong>${esc(choice.title)}</strong>`,
      `<span class="state" data-purpose="${esc(choice.purpose)}">${esc(stateText(choice.state, t))}</span>${when ? `<br><small>${esc(when)}</small>` : ''}`,
      choiceForm(view, choice, t),
    ];
  });
  const pending = view.choices.some((choice) => choice.state === 'pending') ? `<p class="note">${esc(t.pendingNote)}</p>` : '';
  return table(t.choices, [col(t.what), col(t.status), { text: t.change, hidden: true }], rows) + pending;
}

/** The person's page: what is held, their choices, their copy, and "forget me". */
export function portalPage(view: PortalView): string {
  const t = TEXT[view.lang];
  const lang = view.lang;
  const { profile } = view;
  const identifiers = Object.entries(profile.identities).flatMap(([kind, values]) =>
    (values ?? []).map((value) => [esc(t.kinds[kind] ?? kind), esc(value)]),
  );
  const traits = Object.entries(profile.traits ?? {}).map(([name, value]) => [
    esc(traitLabel(name, lang, view.labels)),
    esc(valueText(value)),
  ]);
  const history = view.history.map((record) => [
    esc(formatInstant(record.at, lang)),
    esc(record.title),
    esc(stateText(record.state, t)),
    esc(changedBy(record, t)),
  ]);
  const events = view.events.map((event) => [esc(formatInstant(event.timestamp, lang)), esc(describeEvent(event, view))]);
  const messages = view.messages.map((message) => [
    esc(formatInstant(message.sentAt ?? message.queuedAt, lang)),
    esc(t.channels[message.channel] ?? message.channel),
    esc(templateLabel(message.name, lang, view.labels, view.subjects.get(message.name), t.aMessage)),
    esc(t.deliveryStatus[message.status] ?? message.status),
  ]);
  const disabled = view.preview ? ' disabled' : '';
  return [
    view.preview ? `<p class="note" role="note">${esc(t.preview)}</p>` : '',
    languageLinks(view.base, lang),
    profile.restricted ? `<p class="note"><strong>${esc(t.restricted(formatInstant(profile.restricted.since, lang)))}</strong></p>` : '',
    `<h2>${esc(t.identifiers)}</h2>`,
    table(t.identifiers, [col(t.what), col(t.value)], identifiers, 'pairs'),
    `<h2>${esc(t.details)}</h2>`,
    traits.length > 0 ? table(t.details, [col(t.what), col(t.value)], traits, 'pairs') : `<p>${esc(t.noDetails)}</p>`,
    `<h2 id="choices">${esc(t.choices)}</h2>`,
    choicesSection(view, t, lang),
    `<h3>${esc(t.choiceHistory)}</h3>`,
    history.length > 0
      ? table(t.choiceHistory, [col(t.when), col(t.what), col(t.status), col(t.who)], history)
      : `<p>${esc(t.noHistory)}</p>`,
    `<h2>${esc(t.activity)}</h2>`,
    events.length > 0 ? table(t.activity, [col(t.when), col(t.what)], events) : `<p>${esc(t.noActivity)}</p>`,
    `<h2>${esc(t.messages)}</h2>`,
    messages.length > 0
      ? table(t.messages, [col(t.when), col(t.channel), col(t.what), col(t.status)], messages)
      : `<p>${esc(t.noMessages)}</p>`,
    `<h2>${esc(t.yourData)}</h2><p>${esc(t.exportIntro)}</p><form method="post" action="${esc(view.base)}/export">${hidden('lang', lang)}<button type="submit"${disabled}>${esc(t.exportButton)}</button></form>`,
    `<h2>${esc(t.forget)}</h2><p>${esc(t.forgetIntro)}</p><p>${view.preview ? esc(t.forgetButton) : `<a href="${esc(view.base)}/erase?lang=${lang}">${esc(t.forgetButton)}</a>`}</p>`,
  ].join('');
}

/** The step before an erasure: nothing is erased until the box is ticked and the form sent. */
export function forgetConfirmPage(base: string, lang: Lang, notConfirmed: boolean): string {
  const t = TEXT[lang];
  return (
    `${notConfirmed ? `<p role="alert"><strong>${esc(t.forgetNotConfirmed)}</strong></p>` : ''}<p>${esc(t.forgetConfirmText)}</p>` +
    `<form method="post" action="${esc(base)}/erase">${hidden('lang', lang)}<p><label><input type="checkbox" name="confirm" value="yes" required> ${esc(t.forgetConfirmCheck)}</label></p>` +
    `<p><button type="submit">${esc(t.forgetConfirmButton)}</button> <a href="${esc(base)}?lang=${lang}">${esc(t.cancel)}</a></p></form>`
  );
}

/** The request form: an address, and the same answer whether or not it is known. */
export function requestPage(lang: Lang, notice?: string): string {
  const t = TEXT[lang];
  return (
    `${languageLinks('/v1/portal', lang)}${notice ? `<p role="status"><strong>${esc(notice)}</strong></p>` : ''}<p>${esc(t.requestIntro)}</p>` +
    `<form method="post" action="/v1/portal">${hidden('lang', lang)}<p><label>${esc(t.emailLabel)}<br><input type="email" name="email" autocomplete="email" required maxlength="254"></label></p>` +
    `<p><button type="submit">${esc(t.requestButton)}</button></p></form>`
  );
}

/** While a page waits on a workflow (an export, an erasure), it reloads itself: no script needed. */
export const REFRESH = '<meta http-equiv="refresh" content="2">';
