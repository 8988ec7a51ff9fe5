/**
 * The privacy page's settings as the API takes them (`PUT /v1/settings/portal`), and the
 * branding the page applies: the stored settings over the defaults.
 *
 * Labels live here, not in the rules: they are words for people, per language, changed by
 * whoever looks after the page without a deploy; the rules stay about behaviour.
 */
import { z } from 'zod';
import { emailAddress } from '../email-address.js';
import type { PortalSettings } from '../../store/settings.js';
import { contrastRatio, isHexColour, MIN_CONTRAST } from './contrast.js';

/** At most this many labels of each kind: a page's worth of names, not a catalogue. */
export const MAX_LABELS = 200;
const MAX_LABEL = 120;
const MAX_KEY = 200;

const colour = z.string().refine(isHexColour, 'must be a colour as #rrggbb');
const label = z
  .object({ en: z.string().trim().min(1).max(MAX_LABEL).optional(), pl: z.string().trim().min(1).max(MAX_LABEL).optional() })
  .strict()
  .refine((value) => value.en !== undefined || value.pl !== undefined, 'give the label in English (en), Polish (pl) or both');
const labels = z
  .record(z.string().min(1).max(MAX_KEY), label)
  .refine((value) => Object.keys(value).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);

export const portalSettingsBody = z
  .object({
    shopName: z.string().trim().min(1).max(100).optional(),
    logoUrl: z
      .url({ protocol: /^https$/, error: 'must be an https URL' })
      .max(2048)
      .optional()
      .meta({ description: 'An https URL (the page loads nothing over plain http); leave it out for no logo' }),
    colours: z.object({ accent: colour.optional(), background: colour.optional(), text: colour.optional() }).strict().optional(),
    dpoContact: z
      .object({ email: emailAddress().optional(), postal: z.string().trim().min(1).max(500).optional() })
      .strict()
      .optional()
      .meta({ description: "The data protection officer: an e-mail address, a postal address, or both (the page's footer)" }),
    labels: z
      .object({ traits: labels.optional(), events: labels.optional(), templates: labels.optional() })
      .strict()
      .optional()
      .meta({ description: 'Display names per language, by trait key, event name and template name' }),
  })
  .strict();

export type PortalSettingsBody = z.infer<typeof portalSettingsBody>;

export const DEFAULT_COLOURS = { accent: '#1a5fb4', background: '#ffffff', text: '#1f2328' } as const;

export interface Branding {
  shopName?: string;
  logoUrl?: string;
  colours: { accent: string; background: string; text: string };
  dpoContact?: { email?: string; postal?: string };
}

export function brandingOf(settings: PortalSettings | undefined): Branding {
  return {
    ...(settings?.shopName ? { shopName: settings.shopName } : {}),
    ...(settings?.logoUrl ? { logoUrl: settings.logoUrl } : {}),
    colours: { ...DEFAULT_COLOURS, ...settings?.colours },
    ...(settings?.dpoContact ? { dpoContact: settings.dpoContact } : {}),
  };
}

export interface UnreadablePair {
  path: string;
  message: string;
  ratio: number;
}

/**
 * The pairs the page draws on each other that read too poorly: text on the background,
 * links (the accent) on the background, and the buttons' label (the background colour)
 * on the accent, which is the same ratio. Colours left out take their defaults.
 */
export function unreadablePairs(colours: PortalSettings['colours']): UnreadablePair[] {
  const { accent, background, text } = { ...DEFAULT_COLOURS, ...colours };
  const pairs: [string, string, string, string][] = [
    ['colours.text', 'text', text, background],
    ['colours.accent', 'accent', accent, background],
  ];
  return pairs.flatMap(([path, name, fore, back]) => {
    const ratio = contrastRatio(fore, back);
    return ratio >= MIN_CONTRAST
      ? []
      : [
          {
            path,
            ratio: Math.round(ratio * 100) / 100,
            message: `${name} ${fore} on background ${back} has a contrast of ${ratio.toFixed(2)}:1; at least ${MIN_CONTRAST}:1 is needed to be read`,
          },
        ];
  });
}
