/** STUB: being written. */
import { Router } from 'express';
import type { AppDeps } from '../app.js';

export function catalogRoutes(_deps: AppDeps): Router {
  return Router();
}
