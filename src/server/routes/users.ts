/** STUB: being written. */
import { Router } from 'express';
import type { AppDeps } from '../app.js';

export function userRoutes(_deps: AppDeps): Router {
  return Router();
}
