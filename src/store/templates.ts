import type { Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { NamedStore } from './named-store.js';

/** E-mail templates by name. */
export class TemplateStore extends NamedStore<TemplateDoc> {
  constructor(db: Db) {
    super(db.collection<TemplateDoc>(COLLECTIONS.templates));
  }

  /** Creates or replaces the template; whether it was new. */
  async put(name: string, parts: Pick<TemplateDoc, 'subject' | 'html' | 'text'>, now: Date): Promise<boolean> {
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
