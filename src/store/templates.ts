import type { Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { NamedStore } from './named-store.js';
import { RecentReads } from './recent-reads.js';

/**
 * How long a send may use a template read before (ms): another process's edit reaches
 * this process's sends within this; this process's own edits at once.
 */
export const TEMPLATE_RECENT_MS = 5_000;

/** E-mail templates by name. */
export class TemplateStore extends NamedStore<TemplateDoc> {
  private readonly recent: RecentReads<TemplateDoc | null>;

  constructor(db: Db, options: { recentMs?: number; clock?: () => number } = {}) {
    super(db.collection<TemplateDoc>(COLLECTIONS.templates));
    // A missing template is read again by the next send: one created in another process is used at once.
    this.recent = new RecentReads(options.recentMs ?? TEMPLATE_RECENT_MS, options.clock, (template) => template !== null);
  }

  /**
   * The template as a send uses it: read at most TEMPLATE_RECENT_MS ago, so a journey's
   * sends do not read it each (a missing one is read again each time: a send that finds
   * none fails for good). Editors and the API read with `get`.
   */
  forSend(name: string): Promise<TemplateDoc | null> {
    return this.recent.get(name, () => this.get(name));
  }

  /** Creates or replaces the template; whether it was new. */
  async put(name: string, parts: Pick<TemplateDoc, 'subject' | 'html' | 'text'>, now: Date): Promise<boolean> {
    try {
      const result = await this.collection.updateOne(
        { _id: name },
        {
          $set: { subject: parts.subject, html: parts.html, updatedAt: now, ...(parts.text === undefined ? {} : { text: parts.text }) },
          ...(parts.text === undefined ? { $unset: { text: '' } } : {}),
          $setOnInsert: { createdAt: now },
        },
        { upsert: true },
      );
      return result.upsertedCount === 1;
    } finally {
      this.recent.forget(name);
    }
  }

  override async delete(name: string): Promise<boolean> {
    try {
      return await super.delete(name);
    } finally {
      this.recent.forget(name);
    }
  }
}

/** An e-mail template (Liquid), managed over HTTP. */
export interface TemplateDoc {
  /** The name `send email "<name>"` uses. */
  _id: string;
  subject: string;
  html: string;
  text?: string;
  createdAt: Date;
  updatedAt: Date;
}
