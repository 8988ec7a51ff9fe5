/**
 * The privacy page's markup: plain HTML and forms, no script, so it works in any browser
 * and with JavaScript off. Every value from the database is escaped here; the routes pass
 * records, never markup.
 */
import type { ConsentProjectionState, EventDoc, ProfileDoc } from '../../model.js';
import type { ConsentLedgerDoc } from '../../store/consents.js';
import type { DeliveryDoc } from '../../store/deliveries.js';
import { escapeHtml as esc } from '../person-page.js';
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
  history: (ConsentLedgerDoc & { title: string })[];
  events: EventDoc[];
  messages: DeliveryDoc[];
}

const hidden = (name: string, value: string) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;

/** Other languages of the same page: plain links, keeping the path. */
export function languageLinks(path: string, lang: Lang): string {
  const links = LANGUAGES.filter((other) => other !== lang).map(
    (other) => `<a href="${esc(path)}?lang=${other}" lang="${other}" hreflang="${other}">${esc(TEXT[other].langName)}</a>`,
  );
  return `<p style="text-align:right">${links.join(' · ')}</p>`;
}

function table(headers: string[], rows: string[][]): string {
  const head = `<tr>${headers.map((header) => `<th style="text-align:left;padding-right:1rem">${esc(header)}</th>`).join('')}</tr>`;
  return `<table>${head}${rows.map((row) => `<tr>${row.map((cell) => `<td style="padding-right:1rem;vertical-align:top">${cell}</td>`).join('')}</tr>`).join('')}</table>`;
}

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

function describeEvent(event: EventDoc): string {
  if (event.type === 'track') return event.event ?? 'track';
  if (event.type === 'page' || event.type === 'screen') return `${event.type}${event.name ? `: ${event.name}` : ''}`;
  return event.type;
}

function choiceForm(view: PortalView, choice: ChoiceView, t: PortalText): string {
  // A pending grant can be withdrawn before it is confirmed.
  const on = choice.state === 'granted' || choice.state === 'pending';
  return (
    `<form method="post" action="${esc(view.base)}/consents" style="display:inline">${hidden('purpose', choice.purpose)}${hidden('state', on ? 'revoked' : 'granted')}${hidden('lang', view.lang)}` +
    `<button type="submit" name="choice" value="${esc(choice.purpose)}">${esc(on ? t.turnOff : t.turnOn)}</button></form>`
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
      `<span data-purpose="${esc(choice.purpose)}">${esc(stateText(choice.state, t))}</span>${when ? `<br><small>${esc(when)}</small>` : ''}`,
      choiceForm(view, choice, t),
    ];
  });
  const pending = view.choices.some((choice) => choice.state === 'pending') ? `<p><em>${esc(t.pendingNote)}</em></p>` : '';
  return table([t.what, t.status, ''], rows) + pending;
}

/** The person's page: what is held, their choices, their copy, and "forget me". */
export function portalPage(view: PortalView): string {
  const t = TEXT[view.lang];
  const lang = view.lang;
  const { profile } = view;
  const identifiers = Object.entries(profile.identities).flatMap(([kind, values]) =>
    (values ?? []).map((value) => [esc(t.kinds[kind] ?? kind), esc(value)]),
  );
  const traits = Object.entries(profile.traits ?? {}).map(([name, value]) => [esc(name), esc(valueText(value))]);
  const history = view.history.map((record) => [
    esc(formatInstant(record.at, lang)),
    esc(record.title),
    esc(stateText(record.state, t)),
    esc(t.origin[record.origin.kind] ?? record.origin.kind),
  ]);
  const events = view.events.map((event) => [esc(formatInstant(event.timestamp, lang)), esc(describeEvent(event))]);
  const messages = view.messages.map((message) => [
    esc(formatInstant(message.sentAt ?? message.queuedAt, lang)),
    esc(message.channel),
    esc(message.name),
    esc(message.status),
  ]);
  return [
    languageLinks(view.base, lang),
    profile.restricted ? `<p><strong>${esc(t.restricted(formatInstant(profile.restricted.since, lang)))}</strong></p>` : '',
    `<h2>${esc(t.identifiers)}</h2>`,
    table([t.what, ''], identifiers),
    `<h2>${esc(t.details)}</h2>`,
    traits.length > 0 ? table([t.what, ''], traits) : `<p>${esc(t.noDetails)}</p>`,
    `<h2 id="choices">${esc(t.choices)}</h2>`,
    choicesSection(view, t, lang),
    `<h3>${esc(t.choiceHistory)}</h3>`,
    history.length > 0 ? table([t.when, t.what, t.status, ''], history) : `<p>${esc(t.noHistory)}</p>`,
    `<h2>${esc(t.activity)}</h2>`,
    events.length > 0 ? table([t.when, t.what], events) : `<p>${esc(t.noActivity)}</p>`,
    `<h2>${esc(t.messages)}</h2>`,
    messages.length > 0 ? table([t.when, t.channel, t.what, t.status], messages) : `<p>${esc(t.noMessages)}</p>`,
    `<h2>${esc(t.yourData)}</h2><p>${esc(t.exportIntro)}</p><form method="post" action="${esc(view.base)}/export">${hidden('lang', lang)}<button type="submit">${esc(t.exportButton)}</button></form>`,
    `<h2>${esc(t.forget)}</h2><p>${esc(t.forgetIntro)}</p><p><a href="${esc(view.base)}/erase?lang=${lang}">${esc(t.forgetButton)}</a></p>`,
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
