/** Who sees what of a person: the server's decision, by the caller's role, not the page's. */
import type { Response } from 'express';
import { SEES_PERSONAL_DATA } from '../../accounts/roles.js';
import { actorOf } from '../actor.js';
import { HttpError } from '../errors.js';

export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);

/** Whether the caller's role sees personal data. */
export const seesPersonal = (res: Response) => SEES_PERSONAL_DATA.has(actorOf(res).role);
