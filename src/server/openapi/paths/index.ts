/**
 * Every documented path, one object per area (each area's file documents the routes of its
 * route files). A route Express mounts that no area documents fails test/server/openapi.test.ts.
 */
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { broadcastsPaths } from './broadcasts.js';
import { browserLibraryPaths } from './browser-library.js';
import { catalogPaths } from './catalog.js';
import { confirmPaths } from './confirm.js';
import { consentsPaths } from './consents.js';
import { consolePaths } from './console.js';
import { destinationsPaths } from './destinations.js';
import { exportsPaths } from './exports.js';
import { frequencyCapsPaths } from './frequency-caps.js';
import { healthPaths } from './health.js';
import { importPaths } from './import.js';
import { journeysPaths } from './journeys.js';
import { messagesPaths } from './messages.js';
import { metricsPaths } from './metrics.js';
import { openapiPaths } from './openapi.js';
import { peoplePaths } from './people.js';
import { consentStatsPaths } from './consent-stats.js';
import { deliveriesPaths } from './deliveries.js';
import { privacyRequestsPaths } from './privacy-requests.js';
import { retentionDryRunPaths } from './retention-dry-run.js';
import { portalPaths } from './portal.js';
import { privacyPaths } from './privacy.js';
import { profileRightsPaths } from './profile-rights.js';
import { profilesPaths } from './profiles.js';
import { retentionPaths } from './retention.js';
import { rulesPaths } from './rules.js';
import { segmentsPaths } from './segments.js';
import { sessionsPaths } from './sessions.js';
import { settingsPaths } from './settings.js';
import { simulatePaths } from './simulate.js';
import { templatesPaths } from './templates.js';
import { trackingPaths } from './tracking.js';
import { unsubscribePaths } from './unsubscribe.js';
import { usersPaths } from './users.js';

export const paths: ZodOpenApiPathsObject = {
  ...healthPaths,
  ...metricsPaths,
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
  ...peoplePaths,
  ...consentStatsPaths,
  ...deliveriesPaths,
  ...privacyRequestsPaths,
  ...retentionDryRunPaths,
  ...settingsPaths,
};
