/**
 * Names a person understands for what the privacy page lists: traits, events and
 * templates. An admin's label (settings, per language) comes first; then the names built
 * in here for well-known traits and for Segment's and Itinera's own events, in English and
 * Polish; then a trait key made readable (`favourite_colour` → "Favourite colour"), an
 * event as it was sent, a template by its subject. Never a template's id: it is a name
 * for the rules, not for the person.
 */
import type { LabelDoc, PortalSettings } from '../../store/settings.js';
import type { Lang } from './text.js';

type Names = Record<string, Record<Lang, string>>;

const TRAITS: Names = {
  email: { en: 'E-mail address', pl: 'Adres e-mail' },
  first_name: { en: 'First name', pl: 'Imię' },
  firstName: { en: 'First name', pl: 'Imię' },
  last_name: { en: 'Last name', pl: 'Nazwisko' },
  lastName: { en: 'Last name', pl: 'Nazwisko' },
  name: { en: 'Name', pl: 'Imię i nazwisko' },
  phone: { en: 'Phone number', pl: 'Numer telefonu' },
  city: { en: 'City', pl: 'Miasto' },
  country: { en: 'Country', pl: 'Kraj' },
  address: { en: 'Address', pl: 'Adres' },
  birthday: { en: 'Date of birth', pl: 'Data urodzenia' },
  age: { en: 'Age', pl: 'Wiek' },
  gender: { en: 'Gender', pl: 'Płeć' },
  company: { en: 'Company', pl: 'Firma' },
  title: { en: 'Job title', pl: 'Stanowisko' },
  username: { en: 'User name', pl: 'Nazwa użytkownika' },
  website: { en: 'Website', pl: 'Strona internetowa' },
  description: { en: 'Description', pl: 'Opis' },
  avatar: { en: 'Picture', pl: 'Zdjęcie' },
  createdAt: { en: 'Account created', pl: 'Konto założone' },
  created_at: { en: 'Account created', pl: 'Konto założone' },
  timezone: { en: 'Time zone', pl: 'Strefa czasowa' },
  locale: { en: 'Language and region', pl: 'Język i region' },
  language: { en: 'Language', pl: 'Język' },
  plan: { en: 'Plan', pl: 'Plan' },
};

/** Segment's spec (identify, page, screen, e-commerce) and the events Itinera records itself. */
const EVENTS: Names = {
  identify: { en: 'Your details were updated', pl: 'Zaktualizowano Twoje dane' },
  page: { en: 'You viewed a page', pl: 'Wyświetlono stronę' },
  screen: { en: 'You viewed a screen in the app', pl: 'Wyświetlono ekran w aplikacji' },
  group: { en: 'You joined a group or account', pl: 'Dołączono do grupy lub konta' },
  alias: { en: 'Your accounts were linked', pl: 'Połączono Twoje konta' },
  track: { en: 'Activity', pl: 'Aktywność' },
  'Products Searched': { en: 'You searched for products', pl: 'Wyszukano produkty' },
  'Product List Viewed': { en: 'You viewed a list of products', pl: 'Wyświetlono listę produktów' },
  'Product List Filtered': { en: 'You filtered a list of products', pl: 'Przefiltrowano listę produktów' },
  'Promotion Viewed': { en: 'You saw a promotion', pl: 'Wyświetlono promocję' },
  'Promotion Clicked': { en: 'You opened a promotion', pl: 'Otwarto promocję' },
  'Product Clicked': { en: 'You clicked a product', pl: 'Kliknięto produkt' },
  'Product Viewed': { en: 'You viewed a product', pl: 'Wyświetlono produkt' },
  'Product Added': { en: 'You added a product to your cart', pl: 'Dodano produkt do koszyka' },
  'Product Removed': { en: 'You removed a product from your cart', pl: 'Usunięto produkt z koszyka' },
  'Cart Viewed': { en: 'You viewed your cart', pl: 'Wyświetlono koszyk' },
  'Checkout Started': { en: 'You started checking out', pl: 'Rozpoczęto składanie zamówienia' },
  'Checkout Step Viewed': { en: 'You viewed a checkout step', pl: 'Wyświetlono krok zamówienia' },
  'Checkout Step Completed': { en: 'You completed a checkout step', pl: 'Ukończono krok zamówienia' },
  'Payment Info Entered': { en: 'You entered payment details', pl: 'Podano dane płatności' },
  'Order Updated': { en: 'Your order was updated', pl: 'Zaktualizowano zamówienie' },
  'Order Completed': { en: 'You placed an order', pl: 'Złożono zamówienie' },
  'Order Refunded': { en: 'Your order was refunded', pl: 'Zwrócono płatność za zamówienie' },
  'Order Cancelled': { en: 'Your order was cancelled', pl: 'Anulowano zamówienie' },
  'Coupon Entered': { en: 'You entered a coupon', pl: 'Wpisano kupon' },
  'Coupon Applied': { en: 'A coupon was applied', pl: 'Zastosowano kupon' },
  'Coupon Denied': { en: 'A coupon was not accepted', pl: 'Kupon nie został przyjęty' },
  'Coupon Removed': { en: 'You removed a coupon', pl: 'Usunięto kupon' },
  'Product Added to Wishlist': { en: 'You added a product to your wish list', pl: 'Dodano produkt do listy życzeń' },
  'Product Removed from Wishlist': { en: 'You removed a product from your wish list', pl: 'Usunięto produkt z listy życzeń' },
  'Wishlist Product Added to Cart': {
    en: 'You moved a product from your wish list to your cart',
    pl: 'Przeniesiono produkt z listy życzeń do koszyka',
  },
  'Product Shared': { en: 'You shared a product', pl: 'Udostępniono produkt' },
  'Cart Shared': { en: 'You shared your cart', pl: 'Udostępniono koszyk' },
  'Product Reviewed': { en: 'You reviewed a product', pl: 'Oceniono produkt' },
  'Signed Up': { en: 'You signed up', pl: 'Założono konto' },
  'Signed In': { en: 'You signed in', pl: 'Zalogowano się' },
  'Signed Out': { en: 'You signed out', pl: 'Wylogowano się' },
  'Consent Granted': { en: 'You gave a consent', pl: 'Udzielono zgody' },
  'Consent Denied': { en: 'You declined a consent', pl: 'Odmówiono zgody' },
  'Consent Revoked': { en: 'You withdrew a consent', pl: 'Wycofano zgodę' },
  'Consent Requested': { en: 'A consent is waiting for your confirmation', pl: 'Zgoda czeka na Twoje potwierdzenie' },
  'Consent Expired': { en: 'A consent expired', pl: 'Zgoda wygasła' },
  'Consent Expiring': { en: 'A consent is about to expire', pl: 'Zgoda wkrótce wygaśnie' },
  'Segment Consent Preference Updated': { en: 'You updated your privacy choices', pl: 'Zaktualizowano Twoje ustawienia prywatności' },
};

type Labels = NonNullable<PortalSettings['labels']>;

/** A key's own entry only: a trait named `constructor` is not Object's. */
const own = <T>(map: Record<string, T> | undefined, key: string): T | undefined => (map && Object.hasOwn(map, key) ? map[key] : undefined);

/** The admin's label in this language, else in the other one (better than a key). */
function given(label: LabelDoc | undefined, lang: Lang): string | undefined {
  return label?.[lang] ?? label?.en ?? label?.pl;
}

/** `first_name` → "First name", `loyaltyTier` → "Loyalty tier". */
export function humanise(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_.\-\s]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

export function traitLabel(key: string, lang: Lang, labels: Labels | undefined): string {
  return given(own(labels?.traits, key), lang) ?? own(TRAITS, key)?.[lang] ?? humanise(key);
}

/** An event's name as stored (a track event's name, else its type). */
export function eventLabel(name: string, lang: Lang, labels: Labels | undefined): string {
  return given(own(labels?.events, name), lang) ?? own(EVENTS, name)?.[lang] ?? name;
}

/** A template: its label, else its subject (as the caller rendered it), else a plain word for a message. */
export function templateLabel(name: string, lang: Lang, labels: Labels | undefined, subject: string | undefined, fallback: string): string {
  return given(own(labels?.templates, name), lang) ?? subject ?? fallback;
}
