import type { Db } from 'mongodb';
import type { TemplateDoc } from '../model.js';
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
      { $set: { subject: parts.subject, html: parts.html, updatedAt: now, ...(parts.text === undefined ? {} : { text: parts.text }) }, ...(parts.text === undefined ? { $unset: { text: '' } } : {}), $setOnInsert: { createdAt: now } },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }
}
