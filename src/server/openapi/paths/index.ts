/**
 * Every documented path, one object per area (each area's file documents the routes of its
 * route files). A route Express mounts that no area documents fails test/server/openapi.test.ts.
 */
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { confirmPaths } from './confirm.js';
import { consentsPaths } from './consents.js';
import { destinationsPaths } from './destinations.js';
import { exportsPaths } from './exports.js';
import { frequencyCapsPaths } from './frequency-caps.js';
import { healthPaths } from './health.js';
import { messagesPaths } from './messages.js';
import { openapiPaths } from './openapi.js';
import { portalPaths } from './portal.js';
import { privacyPaths } from './privacy.js';
import { profileRightsPaths } from './profile-rights.js';
import { profilesPaths } from './profiles.js';
import { retentionPaths } from './retention.js';
import { unsubscribePaths } from './unsubscribe.js';

export const paths: ZodOpenApiPathsObject = {
  ...healthPaths,
  ...openapiPaths,
  ...consentsPaths,
  ...privacyPaths,
  ...exportsPaths,
  ...retentionPaths,
  ...profilesPaths,
  ...profileRightsPaths,
  ...destinationsPaths,
  ...frequencyCapsPaths,
  ...messagesPaths,
  ...portalPaths,
  ...confirmPaths,
  ...unsubscribePaths,
};
