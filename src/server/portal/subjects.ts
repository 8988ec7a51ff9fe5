/**
 * What the privacy page calls a message it lists: the subject of the e-mail's template,
 * rendered as the person received it. Rendered with this person's own traits only (it is
 * their page, and the subject was sent to them); the journey step's `with` values are not
 * kept with a message, so a subject that used them reads without them. A subject that will
 * not render is shown with its Liquid left out, never as the template's id.
 */
import { renderTemplate } from '../../channels/templates.js';
import type { ProfileDoc } from '../../model.js';
import type { DeliveryDoc } from '../../store/deliveries.js';
import type { TemplateStore } from '../../store/templates.js';

/** `{{ … }}` and `{% … %}` removed, spaces closed up. */
export function withoutLiquid(subject: string): string {
  return subject
    .replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g, '')
    .replace(/\s+([,.!?:;])/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .replace(/^[\s,.;:!?-]+/, '')
    .trim();
}

/** Template name → subject, for the e-mails among `messages` whose template still exists. */
export async function templateSubjects(
  templates: TemplateStore,
  messages: readonly Pick<DeliveryDoc, 'channel' | 'name'>[],
  profile: Pick<ProfileDoc, '_id' | 'traits'>,
): Promise<Map<string, string>> {
  const names = [...new Set(messages.filter((message) => message.channel === 'email').map((message) => message.name))];
  const subjects = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      const template = await templates.get(name);
      if (!template) return;
      let subject: string;
      try {
        subject = (
          await renderTemplate({ subject: template.subject, html: '' }, { traits: profile.traits ?? {}, with: {}, profile_id: profile._id })
        ).subject;
      } catch {
        subject = withoutLiquid(template.subject);
      }
      if (subject) subjects.set(name, subject);
    }),
  );
  return subjects;
}
