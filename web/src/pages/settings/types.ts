/** The privacy page's settings as GET and PUT /v1/settings/portal carry them (src/server/portal/branding.ts). */
export interface Label {
  en?: string;
  pl?: string;
}

export interface PortalSettings {
  shopName?: string;
  logoUrl?: string;
  colours?: { accent?: string; background?: string; text?: string };
  dpoContact?: { email?: string; postal?: string };
  labels?: { traits?: Record<string, Label>; events?: Record<string, Label>; templates?: Record<string, Label> };
  updatedAt?: string;
}
