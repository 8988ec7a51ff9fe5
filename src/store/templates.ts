import type { Collection, Db } from 'mongodb';
import type { TemplateDoc } from '../model.js';
import { COLLECTIONS } from './collections.js';

/** E-mail templates by name. */
export class TemplateStore {
  private readonly collection: Collection<TemplateDoc>;

  constructor(db: Db) {
    this.collection = db.collection<TemplateDoc>(COLLECTIONS.templates);
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

  async get(name: string): Promise<TemplateDoc | null> {
    return this.collection.findOne({ _id: name });
  }

  /** Every template, by name (a few dozen at most). */
  async list(): Promise<TemplateDoc[]> {
    return this.collection.find({}).sort({ _id: 1 }).toArray();
  }

  async names(): Promise<Set<string>> {
    return new Set((await this.collection.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id));
  }

  async delete(name: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: name })).deletedCount === 1;
  }
}
