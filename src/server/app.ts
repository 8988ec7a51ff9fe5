/**
 * The HTTP API as an express app built from its dependencies. No `listen` here: tests
 * and main.ts decide where it runs. A worker process (ITINERA_ROLE=worker) serves the
 * health routes and /metrics only.
 */
import express, { type Request } from 'express';
import { DEFAULT_SESSION_POLICY } from '../accounts/sessions.js';
import type { AppDeps } from './deps.js';
import { authenticate, authorize, requireWriteKey } from './auth.js';
import { errorMiddleware, notFound } from './errors.js';
import { requestLog } from './request-log.js';
import { consentRoutes } from './routes/consents.js';
import { consentStatsRoutes } from './routes/consent-stats.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { privacyRequestListRoutes } from './routes/privacy-requests.js';
import { retentionDryRunRoutes } from './routes/retention-dry-run.js';
import { destinationRoutes } from './routes/destinations.js';
import { frequencyCapRoutes } from './routes/frequency-caps.js';
import { broadcastRoutes } from './routes/broadcasts.js';
import { journeyRoutes } from './routes/journeys.js';
import { simulateRoutes } from './routes/simulate.js';
import { messageRoutes } from './routes/messages.js';
import { templateRoutes } from './routes/templates.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { confirmRoutes } from './routes/confirm.js';
import { healthRoutes } from './routes/health.js';
import { openapiRoutes } from './routes/openapi.js';
import { importRoutes } from './routes/import.js';
import { privacyRoutes, receiptKeyRoutes } from './routes/privacy.js';
import { profileRightsRoutes } from './routes/profile-rights.js';
import { downloadRoutes, exportRoutes } from './routes/exports.js';
import { retentionRoutes } from './routes/retention.js';
import { portalLinkRoutes, portalRoutes } from './routes/portal.js';
import { settingsRoutes } from './routes/settings.js';
import { peopleRoutes } from './routes/people.js';
import { peopleSearchRoutes } from './routes/people-search.js';
import { profileRoutes } from './routes/profiles.js';
import { ruleRoutes } from './routes/rules.js';
import { segmentRoutes } from './routes/segments.js';
import { METRICS_PATH, TRACKING_PATHS, trackingRoutes } from './routes/tracking.js';
import { browserLibraryRoutes } from './routes/browser-library.js';
import { requireSourceOrigin, trackingCors } from './cors.js';
import { catalogRoutes } from './routes/catalog.js';
import { consoleRoutes } from './routes/console.js';
import { sessionRoutes } from './routes/sessions.js';
import { userRoutes } from './routes/users.js';
import { httpTiming, metricsRoutes, trackingRefusals } from '../metrics/index.js';

/** What createApp takes, for its callers (runtime.ts, tests); the routes import deps.ts. */

/** Segment's batch limit; single messages are held to 32 KB by their route. */
const MAX_JSON_BYTES = '500kb';

/**
 * `req.ip` is the connection's peer unless it is one of these proxies, whose
 * X-Forwarded-For is then read (right to left, up to the first address not trusted).
 * Without any, a client could name any address it likes in the header.
 */
export function trustProxies(app: express.Express, proxies: readonly string[]): void {
  app.set('trust proxy', proxies.length > 0 ? [...proxies] : false);
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  trustProxies(app, deps.trustedProxies ?? []);
  app.use(requestLog(deps.logger, [...TRACKING_PATHS, METRICS_PATH]));
  app.use(httpTiming());
  app.use(healthRoutes(deps), metricsRoutes({ token: deps.metricsToken }));
  if (deps.surface === 'health') {
    app.use((_req, _res, next) => next(notFound('no such endpoint (this is a worker process: only /health, /ready and /metrics)')));
    app.use(errorMiddleware(deps.logger));
    return app;
  }

  app.use(openapiRoutes());

  const recordLength = (req: Request, _res: unknown, buffer: Buffer) => {
    (req as Request & { rawBodyLength?: number }).rawBodyLength = buffer.length;
  };
  const json = express.json({ limit: MAX_JSON_BYTES, verify: recordLength });
  // Browsers send analytics.js's JSON as text/plain (no CORS preflight for the type), and
  // older releases put the write key in the body: the body is parsed before the key is checked.
  const trackingJson = express.json({ limit: MAX_JSON_BYTES, type: ['application/json', 'text/plain'], verify: recordLength });
  app.use([...TRACKING_PATHS, METRICS_PATH, '/v1/projects'], trackingCors(deps.sources));
  app.use(TRACKING_PATHS, trackingRefusals(), trackingJson, requireWriteKey(deps.sources), requireSourceOrigin(deps.sources));
  app.use(trackingRoutes(deps), browserLibraryRoutes(deps));

  // The admin key or a console user's session, then what the role may do (permissions.ts).
  const authn = authenticate({
    adminKey: deps.adminKey,
    stores: deps.stores,
    now: deps.now,
    sessionPolicy: deps.sessions ?? DEFAULT_SESSION_POLICY,
    ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}),
  });
  const authz = authorize();
  const signedIn = [authn, authz];
  // POST /v1/consents records a person's consent with a write key; the rest is for signed-in callers.
  const writeKey = requireWriteKey(deps.sources);
  app.use(
    '/v1/consents',
    (req, res, next) => {
      if (req.method === 'POST' && req.path === '/') return writeKey(req, res, next);
      return authn(req, res, (error?: unknown) => (error ? next(error) : authz(req, res, next)));
    },
    json,
  );
  app.use(
    [
      '/v1/profiles',
      '/v1/people',
      '/v1/rules',
      '/v1/privacy',
      '/v1/segments',
      '/v1/templates',
      '/v1/destinations',
      '/v1/frequency-caps',
      '/v1/journeys',
      '/v1/broadcasts',
      '/v1/audit',
      '/v1/users',
      '/v1/session',
      '/v1/catalog',
      '/v1/consent-stats',
      '/v1/settings',
      '/v1/deliveries',
      '/v1/delivery-stats',
    ],
    ...signedIn,
    json,
  );
  app.use(
    consentRoutes(deps),
    profileRoutes(deps),
    profileRightsRoutes(deps),
    exportRoutes(deps),
    retentionRoutes(deps),
    portalLinkRoutes(deps),
    messageRoutes(deps),
    ruleRoutes(deps),
    privacyRoutes(deps),
    segmentRoutes(deps),
  );
  app.use(templateRoutes(deps), destinationRoutes(deps), frequencyCapRoutes(deps), journeyRoutes(deps), broadcastRoutes(deps));
  app.use(simulateRoutes(deps));
  // The console's People page: search and the audited 360° view.
  app.use(peopleSearchRoutes(deps));
  app.use(peopleRoutes(deps));
  // The console's Consent and Privacy pages: consent over time, the request list, the retention dry run.
  app.use(consentStatsRoutes(deps), privacyRequestListRoutes(deps), retentionDryRunRoutes(deps));
  // The console's Messages → Deliveries: the messages, and their outcomes per day.
  app.use(deliveryRoutes(deps));
  // The console's users, sessions and the data catalogue (auth wiring: src/server/auth.ts).
  app.use(sessionRoutes(deps), userRoutes(deps), catalogRoutes(deps));
  // The console's Settings page: the privacy page's branding and labels, and its preview.
  app.use(settingsRoutes(deps));
  // The console itself: static assets under /console/.
  app.use(consoleRoutes(deps));
  // Opened by the person from an e-mail: the signed link is the authority.
  app.use(unsubscribeRoutes(deps), confirmRoutes(deps), receiptKeyRoutes(deps), downloadRoutes(deps), portalRoutes(deps));
  // CSV is streamed by the import route itself: no body parser here.
  app.use('/v1/import', ...signedIn);
  app.use(importRoutes({ apply: deps.importApply, logger: deps.logger }));

  app.use((_req, _res, next) => next(notFound('no such endpoint')));
  app.use(errorMiddleware(deps.logger));
  return app;
}
