/**
 * Runs an upsert, once more if it lost a race to create the document. Two upserts of one
 * new `_id` can both find nothing and both insert (MongoDB says so: the loser fails with a
 * duplicate key); the second attempt finds the winner's document and updates it.
 */
export async function upsertOnce<T>(upsert: () => Promise<T>): Promise<T> {
  try {
    return await upsert();
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
    return upsert();
  }
}
