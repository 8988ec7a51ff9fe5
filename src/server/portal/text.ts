/**
 * Everything the privacy page says, in English and Polish. A page picks its language from
 * `?lang=`, else the link's, else the browser's Accept-Language, else English. Adding a
 * language is adding one more dictionary of the same shape.
 */

export const LANGUAGES = ['en', 'pl'] as const;
export type Lang = (typeof LANGUAGES)[number];

export interface PortalText {
  langName: string;
  title: string;
  requestTitle: string;
  requestIntro: string;
  emailLabel: string;
  requestButton: string;
  requestSent: string;
  requestInvalid: string;
  tooMany: string;
  invalidLink: string;
  expiredLink: string;
  askAgain: string;
  nothingHeld: string;
  restricted: (since: string) => string;
  identifiers: string;
  details: string;
  noDetails: string;
  choices: string;
  noChoices: string;
  stateGranted: string;
  stateRevoked: string;
  statePending: string;
  stateExpired: string;
  stateUnset: string;
  since: (at: string) => string;
  until: (at: string) => string;
  turnOn: string;
  turnOff: string;
  pendingNote: string;
  choiceHistory: string;
  noHistory: string;
  /** Who made a consent change, by the ledger record's origin (see portal/changed-by.ts). */
  changedBy: {
    portal: string;
    unsubscribe: string;
    confirmation: string;
    admin: string;
    adminBecause: (reason: string) => string;
    import: string;
    source: string;
    apiForm: string;
    api: string;
    lifecycle: string;
    unknown: string;
  };
  who: string;
  value: string;
  change: string;
  activity: string;
  noActivity: string;
  messages: string;
  noMessages: string;
  yourData: string;
  exportIntro: string;
  exportButton: string;
  exportPreparing: string;
  exportReady: (expires: string) => string;
  exportDownload: string;
  exportGone: string;
  forget: string;
  forgetIntro: string;
  forgetButton: string;
  forgetConfirmTitle: string;
  forgetConfirmText: string;
  forgetConfirmCheck: string;
  forgetConfirmButton: string;
  forgetNotConfirmed: string;
  cancel: string;
  erasureTitle: string;
  erasureRunning: string;
  erasureDone: (at: string) => string;
  erasureFailed: string;
  receipt: string;
  receiptHelp: string;
  receiptDownload: string;
  back: string;
  when: string;
  what: string;
  channel: string;
  status: string;
  kinds: Record<string, string>;
  channels: Record<string, string>;
  deliveryStatus: Record<string, string>;
  aMessage: string;
  dpo: string;
  preview: string;
  mailSubject: string;
  mailBody: (url: string, expires: string) => string;
}

const en: PortalText = {
  langName: 'English',
  title: 'Your data',
  requestTitle: 'See the data held about you',
  requestIntro: 'Give the e-mail address you use with us. If we hold data under it, we send a link to your privacy page there.',
  emailLabel: 'E-mail address',
  requestButton: 'Send me the link',
  requestSent: 'If we hold data under this address, a link to your privacy page is on its way to it. The link works for one hour.',
  requestInvalid: 'That does not look like an e-mail address.',
  tooMany: 'Too many requests. Please wait a while and try again.',
  invalidLink: 'This link is not valid. It may have been cut short by your mail program; try the link in the e-mail again.',
  expiredLink: 'This link has expired.',
  askAgain: 'Ask for a new link',
  nothingHeld: 'We hold no data under this link any more.',
  restricted: (since) =>
    `Processing of your data is restricted since ${since}: we keep it, but use it for nothing until the restriction is lifted.`,
  identifiers: 'How we recognise you',
  details: 'What we know about you',
  noDetails: 'Nothing beyond how we recognise you.',
  choices: 'Your choices',
  noChoices: 'There is nothing to choose at the moment.',
  stateGranted: 'On',
  stateRevoked: 'Off',
  statePending: 'Waiting for your confirmation by e-mail',
  stateExpired: 'Expired',
  stateUnset: 'Not given',
  since: (at) => `since ${at}`,
  until: (at) => `until ${at}`,
  turnOn: 'Turn on',
  turnOff: 'Turn off',
  pendingNote: 'We sent you an e-mail: your choice counts once you confirm it there.',
  choiceHistory: 'History of your choices',
  noHistory: 'No choices recorded yet.',
  changedBy: {
    portal: 'You, on this page',
    unsubscribe: 'You, by an e-mail link (unsubscribe)',
    confirmation: 'You, by an e-mail link (confirmation)',
    admin: "The shop's staff, on your behalf",
    adminBecause: (reason) => `The shop's staff, on your behalf: “${reason}”`,
    import: 'Imported from our earlier records',
    source: 'On our website or app',
    apiForm: 'You, in a form on our website or app',
    api: "The shop's systems",
    lifecycle: 'It expired',
    unknown: 'Through our systems',
  },
  who: 'Who',
  value: 'Value',
  change: 'Change',
  activity: 'Recent activity',
  noActivity: 'No activity recorded.',
  messages: 'Messages we sent you',
  noMessages: 'We have sent you no messages.',
  yourData: 'A copy of your data',
  exportIntro: 'Download everything we hold about you as one file (JSON), to keep or to take elsewhere.',
  exportButton: 'Prepare my download',
  exportPreparing: 'Your download is being prepared. This page refreshes by itself; it takes a moment.',
  exportReady: (expires) => `Your download is ready. The link works once, until ${expires}.`,
  exportDownload: 'Download my data',
  exportGone: 'This download is no longer available. Prepare a new one from your privacy page.',
  forget: 'Forget me',
  forgetIntro: 'Ask us to erase everything we hold about you.',
  forgetButton: 'Erase my data…',
  forgetConfirmTitle: 'Erase all your data?',
  forgetConfirmText:
    'We will erase your profile, your activity, your choices and the messages we sent you, and tell the services we share data with to do the same. This cannot be undone. We keep only a keyed fingerprint of how we recognised you, so that you are not added again by mistake.',
  forgetConfirmCheck: 'I understand that this cannot be undone',
  forgetConfirmButton: 'Erase my data',
  forgetNotConfirmed: 'Tick the box to confirm that you want your data erased.',
  cancel: 'Cancel',
  erasureTitle: 'Your erasure',
  erasureRunning: 'We are erasing your data. This page refreshes by itself.',
  erasureDone: (at) => `Your data was erased on ${at}.`,
  erasureFailed: 'Something went wrong; we are on it and will finish the erasure. Keep this page: it shows when it is done.',
  receipt: 'Your receipt',
  receiptHelp:
    'A signed statement that the erasure took place, holding no personal data. Keep it: anyone can check its signature with our public key.',
  receiptDownload: 'Download the receipt',
  back: 'Back to your privacy page',
  when: 'When',
  what: 'What',
  channel: 'Channel',
  status: 'Status',
  kinds: { userId: 'Account id', email: 'E-mail address', phone: 'Phone number', anonymousId: 'Browser or device id' },
  channels: { email: 'E-mail', webhook: 'To another service' },
  deliveryStatus: {
    queued: 'Waiting to be sent',
    deferred: 'Waiting to be sent',
    sending: 'Being sent',
    sent: 'Sent',
    failed: 'Not delivered',
    skipped: 'Not sent',
    'not-configured': 'Not sent',
  },
  aMessage: 'A message',
  dpo: 'Data protection officer',
  preview: 'Preview with sample data: this is not a real person, and the buttons do nothing.',
  mailSubject: 'Your privacy page',
  mailBody: (url, expires) =>
    `You asked to see the data we hold about you. Open your privacy page: ${url}\n\nThe link works until ${expires}. If you did not ask for it, ignore this e-mail.`,
};

const pl: PortalText = {
  langName: 'Polski',
  title: 'Twoje dane',
  requestTitle: 'Zobacz, jakie dane o Tobie przechowujemy',
  requestIntro:
    'Podaj adres e-mail, którego u nas używasz. Jeśli przechowujemy pod nim dane, wyślemy na niego link do Twojej strony prywatności.',
  emailLabel: 'Adres e-mail',
  requestButton: 'Wyślij mi link',
  requestSent: 'Jeśli przechowujemy dane pod tym adresem, link do Twojej strony prywatności jest już w drodze. Link działa przez godzinę.',
  requestInvalid: 'To nie wygląda na adres e-mail.',
  tooMany: 'Zbyt wiele prób. Odczekaj chwilę i spróbuj ponownie.',
  invalidLink: 'Ten link jest nieprawidłowy. Program pocztowy mógł go skrócić; spróbuj ponownie linku z wiadomości.',
  expiredLink: 'Ten link wygasł.',
  askAgain: 'Poproś o nowy link',
  nothingHeld: 'Pod tym linkiem nie przechowujemy już żadnych danych.',
  restricted: (since) =>
    `Przetwarzanie Twoich danych jest ograniczone od ${since}: przechowujemy je, ale nie używamy ich do niczego, dopóki ograniczenie nie zostanie zniesione.`,
  identifiers: 'Jak Cię rozpoznajemy',
  details: 'Co o Tobie wiemy',
  noDetails: 'Nic poza tym, jak Cię rozpoznajemy.',
  choices: 'Twoje zgody',
  noChoices: 'Obecnie nie ma zgód do wyboru.',
  stateGranted: 'Włączona',
  stateRevoked: 'Wyłączona',
  statePending: 'Czeka na potwierdzenie e-mailem',
  stateExpired: 'Wygasła',
  stateUnset: 'Nie udzielona',
  since: (at) => `od ${at}`,
  until: (at) => `do ${at}`,
  turnOn: 'Włącz',
  turnOff: 'Wyłącz',
  pendingNote: 'Wysłaliśmy Ci e-mail: Twój wybór zacznie obowiązywać, gdy go tam potwierdzisz.',
  choiceHistory: 'Historia Twoich zgód',
  noHistory: 'Nie zapisano jeszcze żadnych zgód.',
  changedBy: {
    portal: 'Ty, na tej stronie',
    unsubscribe: 'Ty, przez link w e-mailu (wypisanie się)',
    confirmation: 'Ty, przez link w e-mailu (potwierdzenie)',
    admin: 'Personel sklepu, w Twoim imieniu',
    adminBecause: (reason) => `Personel sklepu, w Twoim imieniu: „${reason}”`,
    import: 'Zaimportowana z naszych wcześniejszych danych',
    source: 'Na naszej stronie lub w aplikacji',
    apiForm: 'Ty, w formularzu na naszej stronie lub w aplikacji',
    api: 'Systemy sklepu',
    lifecycle: 'Wygasła',
    unknown: 'Przez nasze systemy',
  },
  who: 'Kto',
  value: 'Wartość',
  change: 'Zmiana',
  activity: 'Ostatnia aktywność',
  noActivity: 'Brak zapisanej aktywności.',
  messages: 'Wiadomości, które Ci wysłaliśmy',
  noMessages: 'Nie wysłaliśmy Ci żadnych wiadomości.',
  yourData: 'Kopia Twoich danych',
  exportIntro: 'Pobierz wszystko, co o Tobie przechowujemy, jako jeden plik (JSON), aby go zachować lub przenieść gdzie indziej.',
  exportButton: 'Przygotuj plik do pobrania',
  exportPreparing: 'Przygotowujemy Twój plik. Ta strona odświeża się sama; to chwila.',
  exportReady: (expires) => `Twój plik jest gotowy. Link działa jeden raz, do ${expires}.`,
  exportDownload: 'Pobierz moje dane',
  exportGone: 'Ten plik nie jest już dostępny. Przygotuj nowy na swojej stronie prywatności.',
  forget: 'Zapomnij o mnie',
  forgetIntro: 'Poproś nas o usunięcie wszystkiego, co o Tobie przechowujemy.',
  forgetButton: 'Usuń moje dane…',
  forgetConfirmTitle: 'Usunąć wszystkie Twoje dane?',
  forgetConfirmText:
    'Usuniemy Twój profil, Twoją aktywność, Twoje zgody i wiadomości, które Ci wysłaliśmy, oraz poprosimy usługi, którym przekazujemy dane, o to samo. Tej operacji nie można cofnąć. Zachowamy jedynie kluczowany odcisk tego, jak Cię rozpoznawaliśmy, abyś nie został dodany ponownie przez pomyłkę.',
  forgetConfirmCheck: 'Rozumiem, że tej operacji nie można cofnąć',
  forgetConfirmButton: 'Usuń moje dane',
  forgetNotConfirmed: 'Zaznacz pole, aby potwierdzić, że chcesz usunąć swoje dane.',
  cancel: 'Anuluj',
  erasureTitle: 'Usuwanie Twoich danych',
  erasureRunning: 'Usuwamy Twoje dane. Ta strona odświeża się sama.',
  erasureDone: (at) => `Twoje dane zostały usunięte ${at}.`,
  erasureFailed: 'Coś poszło nie tak; zajmujemy się tym i dokończymy usuwanie. Zachowaj tę stronę: pokaże, kiedy będzie gotowe.',
  receipt: 'Twoje potwierdzenie',
  receiptHelp:
    'Podpisane oświadczenie, że usunięcie nastąpiło, bez żadnych danych osobowych. Zachowaj je: każdy może sprawdzić jego podpis naszym kluczem publicznym.',
  receiptDownload: 'Pobierz potwierdzenie',
  back: 'Wróć do strony prywatności',
  when: 'Kiedy',
  what: 'Co',
  channel: 'Kanał',
  status: 'Stan',
  kinds: {
    userId: 'Identyfikator konta',
    email: 'Adres e-mail',
    phone: 'Numer telefonu',
    anonymousId: 'Identyfikator przeglądarki lub urządzenia',
  },
  channels: { email: 'E-mail', webhook: 'Do innej usługi' },
  deliveryStatus: {
    queued: 'Czeka na wysłanie',
    deferred: 'Czeka na wysłanie',
    sending: 'W trakcie wysyłania',
    sent: 'Wysłana',
    failed: 'Niedostarczona',
    skipped: 'Niewysłana',
    'not-configured': 'Niewysłana',
  },
  aMessage: 'Wiadomość',
  dpo: 'Inspektor ochrony danych',
  preview: 'Podgląd z przykładowymi danymi: to nie jest prawdziwa osoba, a przyciski nic nie robią.',
  mailSubject: 'Twoja strona prywatności',
  mailBody: (url, expires) =>
    `Poprosiłeś o wgląd w dane, które o Tobie przechowujemy. Otwórz swoją stronę prywatności: ${url}\n\nLink działa do ${expires}. Jeśli to nie Ty prosiłeś, zignoruj tę wiadomość.`,
};

export const TEXT: Record<Lang, PortalText> = { en, pl };

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** `?lang=`, else the link's, else the first supported language the browser asks for, else English. */
export function chooseLang(query: unknown, link: string | undefined, acceptLanguage: string | undefined): Lang {
  if (isLang(query)) return query;
  if (isLang(link)) return link;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const primary = part.trim().split(/[-;]/)[0]?.toLowerCase();
    if (isLang(primary)) return primary;
  }
  return 'en';
}

/** Dates as the person reads them, in their language, in UTC (named, so nobody is misled). */
export function formatInstant(at: Date, lang: Lang): string {
  return (
    new Intl.DateTimeFormat(lang === 'pl' ? 'pl-PL' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(at) +
    ' UTC'
  );
}
