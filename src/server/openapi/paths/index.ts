/**
 * Every documented path, one object per area (each area's file documents the routes of its
 * route files). A route Express mounts that no area documents fails test/server/openapi.test.ts.
 */
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { healthPaths } from './health.js';
import { openapiPaths } from './openapi.js';

export const paths: ZodOpenApiPathsObject = {
  ...healthPaths,
  ...openapiPaths,
};
