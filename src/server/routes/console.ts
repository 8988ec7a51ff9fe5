/** STUB: being written. */
import { Router } from 'express';
import type { AppDeps } from '../app.js';

export function consoleRoutes(_deps: AppDeps): Router {
  return Router();
}
