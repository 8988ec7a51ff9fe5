import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';

/** STUB: being written. */
export class SessionStore {
  private readonly collection: Collection;

  constructor(db: Db) {
    this.collection = db.collection(COLLECTIONS.sessions);
  }
}
