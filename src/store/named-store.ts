import type { Collection, Filter } from 'mongodb';

/**
 * A collection of documents named by their `_id` and managed over HTTP (templates,
 * destinations): reads by name, the full list (a few dozen at most), deletion.
 */
export class NamedStore<T extends { _id: string }> {
  constructor(protected readonly collection: Collection<T>) {}

  async get(name: string): Promise<T | null> {
    return (await this.collection.findOne({ _id: name } as Filter<T>)) as T | null;
  }

  async list(): Promise<T[]> {
    return (await this.collection.find({}).sort({ _id: 1 }).toArray()) as T[];
  }

  async names(): Promise<Set<string>> {
    return new Set((await this.collection.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id as string));
  }

  /** Whether there was one to delete. */
  async delete(name: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: name } as Filter<T>)).deletedCount === 1;
  }
}
