/**
 * Every documented path, one object per area (each area's file documents the routes of its
 * route files). A route Express mounts that no area documents fails test/server/openapi.test.ts.
 */
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { broadcastsPaths } from './broadcasts.js';
import { browserLibraryPaths } from './browser-library.js';
import { catalogPaths } from './catalog.js';
import { consolePaths } from './console.js';
import { healthPaths } from './health.js';
import { importPaths } from './import.js';
import { journeysPaths } from './journeys.js';
import { openapiPaths } from './openapi.js';
import { rulesPaths } from './rules.js';
import { segmentsPaths } from './segments.js';
import { sessionsPaths } from './sessions.js';
import { simulatePaths } from './simulate.js';
import { templatesPaths } from './templates.js';
import { trackingPaths } from './tracking.js';
import { usersPaths } from './users.js';

export const paths: ZodOpenApiPathsObject = {
  ...healthPaths,
  ...openapiPaths,
  ...trackingPaths,
  ...browserLibraryPaths,
  ...rulesPaths,
  ...segmentsPaths,
  ...templatesPaths,
  ...journeysPaths,
  ...broadcastsPaths,
  ...simulatePaths,
  ...catalogPaths,
  ...sessionsPaths,
  ...usersPaths,
  ...consolePaths,
  ...importPaths,
};
