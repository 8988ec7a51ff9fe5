/**
 * Rendering reuses a template's parsed parts across messages (src/channels/templates.ts):
 * each message still gets its own person's values, the HTML part still escapes them, and
 * a part that fails still says which part.
 */
import { describe, expect, it } from 'vitest';
import { renderTemplate, TemplateRenderError } from '../../src/channels/templates.js';

const template = {
  subject: 'News for {{ traits.first_name | default: "you" }}',
  html: '<p>Hello {{ traits.first_name }}</p>{% if traits.vip %}<p>VIP</p>{% endif %}',
  text: 'Hello {{ traits.first_name }}',
};
const scopeOf = (traits: Record<string, unknown>) => ({ traits, with: {}, profile_id: 'p_1' });

describe('renderTemplate', () => {
  it('renders one template for many people, each with their own values', async () => {
    const ola = await renderTemplate(template, scopeOf({ first_name: 'Ola', vip: true }));
    const jan = await renderTemplate(template, scopeOf({ first_name: '<b>Jan</b>' }));
    const nobody = await renderTemplate(template, scopeOf({}));
    expect(ola).toEqual({ subject: 'News for Ola', html: '<p>Hello Ola</p><p>VIP</p>', text: 'Hello Ola' });
    expect(jan).toEqual({ subject: 'News for <b>Jan</b>', html: '<p>Hello &lt;b&gt;Jan&lt;/b&gt;</p>', text: 'Hello <b>Jan</b>' });
    expect(nobody.subject).toBe('News for you');
  });

  it('keeps a subject on one line whatever the trait holds', async () => {
    const rendered = await renderTemplate(template, scopeOf({ first_name: 'Ola\r\nBcc: someone' }));
    expect(rendered.subject).toBe('News for Ola Bcc: someone');
  });

  it('says which part failed, every time the same template fails (a failed part is not kept)', async () => {
    // Stored templates are checked when stored; one that fails anyway is refused per message.
    const broken = { subject: 'Hi', html: '<p>{% cycle %}</p>' };
    for (let i = 0; i < 2; i++) {
      const error = await renderTemplate(broken, scopeOf({ first_name: 4 })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TemplateRenderError);
      expect((error as TemplateRenderError).problem.part).toBe('html');
    }
  });
});
