/**
 * The pages a person opens from an e-mail (unsubscribe, confirm a consent): the plainest
 * HTML, no script and no outside resource, never cached, never indexed, and no referrer
 * leaking the signed link to anywhere it points.
 */
import type { Response } from 'express';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text (a consent's title from the rules) made safe inside HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** `title` is text; `body` (and `head`) markup built by the caller from escaped parts; `lang` the page's language. */
export function personPage(res: Response, status: number, title: string, body: string, lang = 'en', head = ''): void {
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .set('Referrer-Policy', 'no-referrer')
    .send(
      `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex">` +
        `<title>${escapeHtml(title)}</title>${head}</head><body style="font-family:sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem"><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}
