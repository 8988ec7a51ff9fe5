/**
 * What the consent benchmark sends: the rules it deploys (a purpose that expires, with a
 * reminder), the seed's identifies and shop traffic, the baseline's tracks and the grants.
 */
import { PHONE_USER_AGENT } from '../shop-traffic.js';

const PURPOSE = 'email_marketing';
export const RULES = `consent ${PURPOSE} "E-mail marketing" {
  expires after 365 days
  remind 30 days before expiry
}
`;
export const WORKFLOW_TYPE = 'consentLifecycleWorkflow';

export { knownShopperMessage as seedMessage } from '../shop-traffic.js';

export function trackMessage(i: number) {
  return {
    userId: `track-u${i}`,
    event: 'Product Viewed',
    messageId: `track-${i}`,
    properties: { sku: `sku-${i % 300}`, price: 10 + (i % 90) },
    context: { locale: 'en-US', userAgent: PHONE_USER_AGENT, ip: `81.3.${i % 250}.${(i >> 8) % 250}` },
  };
}

export function grantBody(i: number) {
  return {
    userId: `consent-u${i}`,
    purpose: PURPOSE,
    state: 'granted',
    messageId: `grant-${i}`,
    proof: {
      method: 'checkbox',
      text: 'Send me offers and news by e-mail. I can withdraw at any time.',
      pageUrl: 'https://shop.example.com/signup',
      userAgent: PHONE_USER_AGENT,
      ip: `81.4.${i % 250}.${(i >> 8) % 250}`,
    },
  };
}
