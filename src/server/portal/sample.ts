/**
 * The privacy page as a person would see it, for the console's preview
 * (`GET /v1/settings/portal/preview`): made-up data, no one's record read. It lists the
 * traits, events and templates the admin labelled, so each label is seen in place, and one
 * consent change of each kind, so each "who" wording is seen too.
 */
import type { ConsentOriginKind, EventDoc, ProfileDoc } from '../../model.js';
import type { PortalSettings } from '../../store/settings.js';
import type { ChoiceView, PortalView } from './pages.js';
import type { Lang } from './text.js';

const AT = new Date('2026-05-04T09:30:00.000Z');
const minutesBefore = (minutes: number) => new Date(AT.getTime() - minutes * 60_000);

const SAMPLE_TRAITS: Record<string, string> = { first_name: 'Ada', last_name: 'Kowalska', city: 'Kraków', country: 'PL' };
const SAMPLE_EVENTS = ['identify', 'Product Viewed', 'Order Completed'];

/** The consents the active rules declare (title by name), else one made-up purpose. */
export function samplePortalView(
  lang: Lang,
  settings: PortalSettings | undefined,
  consents: readonly { name: string; title?: string }[],
  base: string,
): PortalView {
  const labels = settings?.labels;
  const traits = {
    ...SAMPLE_TRAITS,
    ...Object.fromEntries(Object.keys(labels?.traits ?? {}).map((key) => [key, SAMPLE_TRAITS[key] ?? '…'])),
  };
  const profile = {
    _id: 'sample',
    identities: { email: ['ada@example.com'] },
    traits,
  } as unknown as ProfileDoc;
  const declared = consents.length > 0 ? consents : [{ name: 'newsletter', title: 'Newsletter' }];
  const choices: ChoiceView[] = declared.map((consent, i) => ({
    purpose: consent.name,
    title: consent.title ?? consent.name,
    state: i === 0 ? 'granted' : 'unset',
    ...(i === 0 ? { at: minutesBefore(5) } : {}),
  }));
  const title = choices[0]!.title;
  const kinds: ConsentOriginKind[] = ['portal', 'unsubscribe', 'confirmation', 'admin', 'import', 'source', 'api'];
  const history = kinds.map((kind, i) => ({
    at: minutesBefore(5 + i * 60 * 24),
    state: i % 2 === 0 ? ('granted' as const) : ('revoked' as const),
    origin: { kind, ...(kind === 'admin' ? { reason: 'asked by phone' } : {}) },
    proof: kind === 'api' ? { method: 'checkbox' } : {},
    title,
  }));
  const eventNames = [...new Set([...SAMPLE_EVENTS, ...Object.keys(labels?.events ?? {})])];
  const events = eventNames.map(
    (name, i) =>
      ({
        _id: `sample-${i}`,
        type: name === 'identify' ? 'identify' : 'track',
        ...(name === 'identify' ? {} : { event: name }),
        timestamp: minutesBefore(30 + i * 90),
      }) as unknown as EventDoc,
  );
  const templates = Object.keys(labels?.templates ?? {});
  const messages = (templates.length > 0 ? templates : ['welcome']).map((name, i) => ({
    channel: 'email' as const,
    name,
    status: 'sent' as const,
    queuedAt: minutesBefore(60 + i * 120),
    sentAt: minutesBefore(60 + i * 120),
  }));
  const subjects = new Map(templates.length > 0 ? [] : [['welcome', lang === 'pl' ? 'Witaj w naszym sklepie' : 'Welcome to our shop']]);
  return { lang, base, profile, choices, history, events, messages, subjects, ...(labels ? { labels } : {}), preview: true };
}
