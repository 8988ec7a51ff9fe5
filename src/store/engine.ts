/** Which server answers: MongoDB, or FerretDB, whose limits some stores work around. */
import type { Db } from 'mongodb';

/** FerretDB names itself in `buildInfo`; MongoDB does not. */
export async function isFerretDb(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}
