/**
 * What the consent benchmark sends: the rules it deploys (a purpose that expires, with a
 * reminder), the seed's identifies and shop traffic, the baseline's tracks and the grants.
 */
const PURPOSE = 'email_marketing';
export const RULES = `consent ${PURPOSE} "E-mail marketing" {
  expires after 365 days
  remind 30 days before expiry
}
`;
export const WORKFLOW_TYPE = 'consentLifecycleWorkflow';

const USER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const PLANS = ['free', 'pro', 'team', 'enterprise'];

/** The seed's i-th message: each person's first is an identify with traits, the rest a shop's views, carts and orders. */
export function seedMessage(i: number, people: number) {
  const person = i % people;
  const common = {
    userId: `seed-u${person}`,
    messageId: `seed-${i}`,
    context: { locale: 'en-US', userAgent: USER_AGENT, ip: `81.2.${i % 250}.${(i >> 8) % 250}` },
    timestamp: new Date(Date.now() - (i % 86_400) * 1000).toISOString(),
  };
  if (i < people)
    return {
      type: 'identify',
      ...common,
      traits: { email: `seed${person}@example.com`, plan: PLANS[person % 4], firstName: `Name${person}` },
    };
  const kind = i % 10;
  const event = kind < 6 ? 'Product Viewed' : kind < 9 ? 'Product Added' : 'Order Completed';
  return {
    type: 'track',
    ...common,
    event,
    properties: { sku: `sku-${i % 300}`, price: 10 + (i % 90), ...(event === 'Order Completed' ? { revenue: 25 + (i % 200) } : {}) },
  };
}

export function trackMessage(i: number) {
  return {
    userId: `track-u${i}`,
    event: 'Product Viewed',
    messageId: `track-${i}`,
    properties: { sku: `sku-${i % 300}`, price: 10 + (i % 90) },
    context: { locale: 'en-US', userAgent: USER_AGENT, ip: `81.3.${i % 250}.${(i >> 8) % 250}` },
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
      userAgent: USER_AGENT,
      ip: `81.4.${i % 250}.${(i >> 8) % 250}`,
    },
  };
}
