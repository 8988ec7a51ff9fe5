/**
 * The privacy page's frame: the shop's name, logo and colours, the data protection
 * officer in the footer, one stylesheet, no script. The colours reach the stylesheet as CSS
 * variables; the stylesheet is allowed by its hash in the Content-Security-Policy, which
 * otherwise allows nothing but the logo's host for images and this server for forms, so a
 * page shows what it was sent and nothing more. Never cached, never indexed, no referrer
 * leaking the signed link.
 */
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { escapeHtml as esc } from '../person-page.js';
import type { Branding } from './branding.js';
import { TEXT, type Lang } from './text.js';

/**
 * Narrow screens read each table row as a card: its first cell as the card's heading, each
 * other cell under its column's name (data-label); a pair (what, value) as the name over
 * its value. Only values that may be long unbroken strings (an address, JSON) break anywhere.
 */
const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;overflow-wrap:break-word}
a{color:var(--accent)}
.bar{border-bottom:4px solid var(--accent)}
.bar-inner,main,footer{max-width:48rem;margin:0 auto;padding:0 1rem}
.bar-inner{display:flex;align-items:center;gap:.75rem;min-height:4rem;flex-wrap:wrap}
.logo{max-height:2.75rem;max-width:10rem;width:auto;height:auto;display:block}
.shop{font-weight:600;font-size:1.15rem;margin:0}
.langs{text-align:right;margin:0}
main{padding-top:1rem;padding-bottom:2rem}
h1{font-size:1.75rem;line-height:1.2;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-top:.5rem;border-top:1px solid color-mix(in srgb,var(--fg) 15%,transparent)}
h3{font-size:1.05rem;margin:1.25rem 0 .5rem}
table{width:100%;border-collapse:collapse;margin:.5rem 0}
th,td{text-align:left;vertical-align:top;padding:.5rem .75rem .5rem 0;border-bottom:1px solid color-mix(in srgb,var(--fg) 12%,transparent)}
th{font-size:.85rem;text-transform:uppercase;letter-spacing:.03em;opacity:.8}
.pairs td:first-child{width:40%}
.pairs td:last-child{overflow-wrap:anywhere}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
button{font:inherit;background:var(--accent);color:var(--bg);border:0;border-radius:.375rem;padding:.45rem .9rem;cursor:pointer}
button:disabled{opacity:.6;cursor:not-allowed}
input[type=email]{font:inherit;width:100%;max-width:24rem;padding:.45rem;border:1px solid color-mix(in srgb,var(--fg) 40%,transparent);border-radius:.375rem;background:var(--bg);color:var(--fg)}
.state{font-weight:600}
.note{padding:.75rem 1rem;border-left:4px solid var(--accent);background:color-mix(in srgb,var(--accent) 8%,var(--bg))}
pre{white-space:pre-wrap;font-size:.8rem}
small{opacity:.85}
footer{padding-top:1rem;padding-bottom:2rem;font-size:.9rem;border-top:1px solid color-mix(in srgb,var(--fg) 15%,transparent)}
footer p{margin:.25rem 0}
@media (max-width:40rem){
h1{font-size:1.5rem}
table,tbody,tr,td{display:block;width:100%}
tr:first-child{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
tr{padding:.5rem 0;border-bottom:1px solid color-mix(in srgb,var(--fg) 12%,transparent)}
td{border:0;padding:.1rem 0}
td[data-label]::before{content:attr(data-label);display:block;font-size:.75rem;text-transform:uppercase;letter-spacing:.03em;opacity:.75}
td:first-child{font-weight:600}
td:first-child::before,.pairs td::before{display:none}
.pairs td:first-child{width:auto;font-weight:400;font-size:.85rem;opacity:.8}
}`;

export interface PageParts {
  status: number;
  /** Text: the page's heading, and the window's title with the shop's name. */
  title: string;
  /** Markup built by the caller from escaped parts. */
  body: string;
  lang: Lang;
  /** Markup for the head (a refresh). */
  head?: string;
}

function stylesheet(branding: Branding): string {
  const { accent, background, text } = branding.colours;
  // Validated as #rrggbb when stored; the defaults are constants.
  return `:root{--accent:${accent};--bg:${background};--fg:${text}}${STYLESHEET}`;
}

/** Images from the logo's host only (its URL is https, checked when stored). */
function imageSource(branding: Branding): string {
  if (!branding.logoUrl) return "'none'";
  try {
    return new URL(branding.logoUrl).origin;
  } catch {
    return "'none'";
  }
}

function footer(branding: Branding, lang: Lang): string {
  const dpo = branding.dpoContact;
  if (!dpo?.email && !dpo?.postal) return '';
  const parts = [
    dpo.email ? `<a href="mailto:${esc(dpo.email)}">${esc(dpo.email)}</a>` : '',
    dpo.postal ? esc(dpo.postal).replace(/\r?\n/g, '<br>') : '',
  ].filter(Boolean);
  return `<footer><p><strong>${esc(TEXT[lang].dpo)}</strong>${branding.shopName ? ` · ${esc(branding.shopName)}` : ''}</p><p>${parts.join('<br>')}</p></footer>`;
}

export function brandedPage(res: Response, branding: Branding, page: PageParts): void {
  const css = stylesheet(branding);
  const hash = createHash('sha256').update(css).digest('base64');
  const windowTitle = branding.shopName ? `${page.title} · ${branding.shopName}` : page.title;
  const logo = branding.logoUrl ? `<img class="logo" src="${esc(branding.logoUrl)}" alt="${esc(branding.shopName ?? '')}">` : '';
  const shop = branding.shopName ? `<p class="shop">${esc(branding.shopName)}</p>` : '';
  res
    .status(page.status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .set('Referrer-Policy', 'no-referrer')
    .set('X-Content-Type-Options', 'nosniff')
    .set(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'sha256-${hash}'; img-src ${imageSource(branding)}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    )
    .send(
      `<!doctype html><html lang="${esc(page.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">` +
        `<title>${esc(windowTitle)}</title><style>${css}</style>${page.head ?? ''}</head><body>` +
        `<header class="bar"><div class="bar-inner">${logo}${shop}</div></header>` +
        `<main><h1>${esc(page.title)}</h1>${page.body}</main>${footer(branding, page.lang)}</body></html>`,
    );
}
