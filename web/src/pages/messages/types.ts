/** What the templates API answers (src/server/routes/templates.ts). */

export interface TemplateSummary {
  name: string;
  subject: string;
  updatedAt: string;
  /** Journeys by name, `consent <name>` and `broadcast <name>`. */
  usedBy: string[];
}

export interface TemplateList {
  templates: TemplateSummary[];
  /** Named by the active rules, not stored: their sends fail. */
  missing: string[];
}

export interface StoredTemplate {
  name: string;
  subject: string;
  html: string;
  text?: string;
  createdAt: string;
  updatedAt: string;
}

export interface TemplateParts {
  subject: string;
  html: string;
  text?: string;
}

export type Part = keyof TemplateParts;

/** A mistake in one part, at a line and column when the parser knows them. */
export interface TemplateProblem {
  part: Part;
  message: string;
  line?: number;
  column?: number;
}

export interface Rendered {
  subject: string;
  html: string;
  text?: string;
}

export interface TestSent {
  sent: true;
  to: string;
  subject: string;
  smtp: number;
}

/** Made-up data, or a person's traits (`profileId`) with `with` values. */
export interface RenderData {
  sample?: { traits?: Record<string, unknown>; with?: Record<string, unknown> };
  profileId?: string;
}
