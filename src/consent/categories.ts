/**
 * Segment's consent convention, mapped to the purposes the rules declare: a message's
 * `context.consent.categoryPreferences` (`{"Marketing": true, "Analytics": false}`) speaks
 * of banner categories, the rules of purposes. A purpose maps the categories its
 * declaration lists (`categories "Marketing", "Email"`); without a list, the category
 * named like the purpose (ignoring case). Categories no purpose maps are ignored.
 */
import type { ConsentIR } from '../dsl/ir.js';

const fold = (text: string) => text.toLowerCase();

/**
 * Per purpose the preferences speak of, whether they grant it. A purpose mapped by
 * several categories is granted only when every one of them that is present says true:
 * a refusal anywhere wins.
 */
export function purposesFromPreferences(
  preferences: Readonly<Record<string, boolean>>,
  consents: readonly ConsentIR[],
): Map<string, boolean> {
  const byCategory = new Map<string, boolean[]>();
  for (const [category, granted] of Object.entries(preferences)) {
    const key = fold(category);
    byCategory.set(key, [...(byCategory.get(key) ?? []), granted]);
  }
  const result = new Map<string, boolean>();
  for (const consent of consents) {
    const categories = consent.categories ?? [consent.name];
    const answers = categories.flatMap((category) => byCategory.get(fold(category)) ?? []);
    if (answers.length > 0) result.set(consent.name, answers.every(Boolean));
  }
  return result;
}
