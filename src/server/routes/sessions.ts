/** STUB: being written. */
import { Router } from 'express';
import type { AppDeps } from '../app.js';

export function sessionRoutes(_deps: AppDeps): Router {
  return Router();
}
