/**
 * All configuration, read from the environment and validated in one place. Nothing else
 * reads `process.env` for settings.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';

/** Documented development defaults; refused when NODE_ENV=production. */
export const DEV_WRITE_KEY = 'dev-write-key';
export const DEV_ADMIN_KEY = 'dev-admin-key';

/** Long enough that a busy process renews its outbox leases in time, short enough that an orphaned batch waits little. */
export const DEFAULT_OUTBOX_LEASE_MS = 30_000;
/** How often the outbox sweeper runs unless ITINERA_SWEEP_INTERVAL_MS says otherwise (the ingest bench too). */
export const DEFAULT_SWEEP_INTERVAL_MS = 5000;

const port = z.coerce.number().int().min(1).max(65535);

/** What one process does (docs/deploy.md): everything, the HTTP API alone, or the Temporal worker alone. */
export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/** A variable that is `true`/`false` (also 1/0, yes/no), or absent. */
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value))
  .optional();

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  ITINERA_DATA_DIR: z.string().min(1).default('./data'),
  ITINERA_WRITE_KEY: z.string().min(8, 'must be at least 8 characters').default(DEV_WRITE_KEY),
  ITINERA_ADMIN_KEY: z.string().min(8, 'must be at least 8 characters').default(DEV_ADMIN_KEY),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** TLS to Temporal: on by default when any TLS file or an API key is set; `true` alone trusts the system's CAs. */
  TEMPORAL_TLS: flag,
  /** PEM files: the CA that signed the server's certificate, and this client's certificate and key (mTLS). */
  TEMPORAL_TLS_CA_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_CERT_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_FILE: z.string().min(1).optional(),
  /** The name the server's certificate is checked against, when it is not the address's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Temporal Cloud's API key (sent as `Authorization: Bearer …`). */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('itinera'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  MONGODB_URI: z.string().startsWith('mongodb', 'must be a mongodb:// or mongodb+srv:// URI').optional(),
  MONGODB_DB: z.string().min(1).default('itinera'),
  /** What this process runs: `all`, `api` (HTTP API, no worker) or `worker` (worker; HTTP only /health and /ready). */
  ITINERA_ROLE: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }).default('all'),
  /** Names this deployment in Temporal ids shared by a namespace; by default the database's name. */
  ITINERA_DEPLOYMENT_ID: z.string().optional(),
  /** Proxies whose X-Forwarded-For is believed: addresses and CIDRs, comma-separated. */
  ITINERA_TRUSTED_PROXIES: z.string().optional(),
  FERRETDB_PORT: port.default(27017),
  /** More sources besides `default`: `name=key,name=key` (e.g. `web=…,ios=…`). */
  ITINERA_SOURCES: z.string().optional(),
  /** External id types read from `context.externalIds`, e.g. `shopify_id,crm_id`. */
  ITINERA_EXTERNAL_IDS: z.string().optional(),
  /** Per-profile identifier limits overriding the defaults, e.g. `email=3,anonymousId=500`. */
  ITINERA_IDENTITY_LIMITS: z.string().optional(),
  /**
   * Which web pages may send events from a browser, per source: `name=origin origin,…`
   * (e.g. `default=https://shop.example https://www.shop.example`); `*` for any. A source
   * not named accepts any origin (without credentials, as analytics.js sends them).
   */
  ITINERA_CORS_ORIGINS: z.string().optional(),
  /** Where browsers reach this server (`https://cdp.example`), for the analytics.js settings it serves; by default the request's own host. */
  ITINERA_PUBLIC_URL: z.string().url('must be a URL such as https://cdp.example').optional(),
  /** The SMTP server e-mails leave through: `smtp://host:port`, `smtps://user:pass@host`. Without it, sends are recorded as `not-configured`. */
  ITINERA_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL such as smtp://mail.example:587')
    .optional(),
  /** The From of every e-mail, `Name <address>` or an address. */
  ITINERA_MAIL_FROM: z.string().regex(/@/, 'must contain an e-mail address, such as "Shop <news@shop.example>"').optional(),
  /** Signs the links in messages (one-click unsubscribe); derived from the admin key when absent. */
  ITINERA_LINK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Keys the suppression list's hashes and signs erasure receipts; derived from the admin key when absent. */
  ITINERA_PRIVACY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How often the outbox sweeper looks for batches left unapplied or undispatched. */
  ITINERA_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(DEFAULT_SWEEP_INTERVAL_MS),
  /**
   * How long a batch stays its process's without a renewal (renewed every third of it): after
   * a process dies, its batches wait this long before another process's sweeper takes them.
   */
  ITINERA_OUTBOX_LEASE_MS: z.coerce.number().int().min(300).default(DEFAULT_OUTBOX_LEASE_MS),
  /** How long a profile read waits for the events acknowledged before it, by any process, before it answers with what is stored. */
  ITINERA_READ_WAIT_MS: z.coerce.number().int().min(0).default(2000),
  /** How long after sign-in a console session ends, however active (hours). */
  ITINERA_SESSION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30, 'must be at most 720 (30 days)')
    .default(12),
  /** A console session unused this long ends (minutes; 0 turns the idle timeout off). */
  ITINERA_SESSION_IDLE_MINUTES: z.coerce.number().min(0).default(60),
  /** How long a stop may finish in-flight work before the embedded servers are stopped anyway. */
  ITINERA_STOP_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  /** Required as `Authorization: Bearer …` by GET /metrics; without it /metrics answers loopback clients only (docs/ops/metrics.md). */
  ITINERA_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  dataDir: string;
  writeKey: string;
  /** Sources other than `default` (whose key is `writeKey`). */
  sources: { name: string; writeKey: string }[];
  /** Allowed browser origins by source name (absent: any origin). */
  allowedOrigins: Record<string, string[]>;
  publicUrl?: string;
  /** Outgoing e-mail; absent when ITINERA_SMTP_URL is not set. */
  smtp?: { url: string; from: string };
  /** Signs links in messages; absent: derived from the admin key. */
  linkSecret?: string;
  /** Keys the suppression list and signs receipts; absent: derived from the admin key. */
  privacySecret?: string;
  externalIdKinds: string[];
  identityLimits: Record<string, number>;
  adminKey: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    embeddedPort: number;
    embeddedUiPort: number;
    /** TLS to a configured Temporal (absent: plain gRPC): files already read. */
    tls?: TemporalTls;
    apiKey?: string;
  };
  role: Role;
  /** Part of every Temporal id two deployments on one namespace could both use (src/util/workflow-ids.ts). */
  deploymentId: string;
  /** Proxies whose X-Forwarded-For is believed (express `trust proxy`); empty: none. */
  trustedProxies: string[];
  mongo: { uri?: string; dbName: string; embeddedPort: number };
  sweepIntervalMs: number;
  outboxLeaseMs: number;
  readWaitMs: number;
  stopTimeoutMs: number;
  /** Console sessions: absolute lifetime and idle timeout (0: none). */
  sessions: { absoluteMs: number; idleMs: number };
  /** GET /metrics's bearer token; absent: loopback clients only. */
  metricsToken?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** TLS to Temporal, with the PEM files' contents. */
export interface TemporalTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  serverName?: string;
}

/** A deployment id goes between the colons of Temporal ids: no colon, nothing a shell or URL would mangle. */
const DEPLOYMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Names express's `trust proxy` knows for whole ranges. */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const RESERVED_KINDS = new Set(['userId', 'anonymousId', 'email', 'phone']);

/** `a=1,b=2` into pairs, with a message naming the variable when malformed. */
function pairs(variable: string, text: string | undefined): [string, string][] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((item) => {
    const at = item.indexOf('=');
    if (at <= 0 || at === item.length - 1) throw new ConfigError(`${variable}: "${item.trim()}" is not name=value`);
    return [item.slice(0, at).trim(), item.slice(at + 1).trim()];
  });
}

/** `name=origin origin,…` into each source's allowed origins, normalised as browsers send them. */
function parseOrigins(text: string | undefined, sourceNames: readonly string[]): Config['allowedOrigins'] {
  const allowed: Config['allowedOrigins'] = {};
  for (const [name, list] of pairs('ITINERA_CORS_ORIGINS', text)) {
    if (!sourceNames.includes(name))
      throw new ConfigError(`ITINERA_CORS_ORIGINS: "${name}" is not a source (known: ${sourceNames.join(', ')})`);
    allowed[name] = list
      .split(/\s+/)
      .filter(Boolean)
      .map((origin) => {
        if (origin === '*') return origin;
        let url: URL;
        try {
          url = new URL(origin);
        } catch {
          throw new ConfigError(`ITINERA_CORS_ORIGINS: "${origin}" is not an origin such as https://shop.example`);
        }
        if (url.origin === 'null' || url.pathname !== '/' || url.search || url.hash || origin.endsWith('/')) {
          throw new ConfigError(`ITINERA_CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path)`);
        }
        return url.origin;
      });
  }
  return allowed;
}

function parseSources(text: string | undefined, defaultKey: string, adminKey: string): Config['sources'] {
  const sources = pairs('ITINERA_SOURCES', text).map(([name, writeKey]) => ({ name, writeKey }));
  const seen = new Set(['default']);
  for (const { name, writeKey } of sources) {
    if (!NAME.test(name)) throw new ConfigError(`ITINERA_SOURCES: source name "${name}" must be lower-case letters, digits and _`);
    if (seen.has(name))
      throw new ConfigError(`ITINERA_SOURCES: source "${name}" is named twice (or is "default", which is ITINERA_WRITE_KEY)`);
    if (writeKey.length < 8) throw new ConfigError(`ITINERA_SOURCES: the key of source "${name}" must be at least 8 characters`);
    if (writeKey === adminKey || writeKey === defaultKey)
      throw new ConfigError(`ITINERA_SOURCES: the key of source "${name}" must differ from the admin key and the other write keys`);
    seen.add(name);
  }
  if (new Set(sources.map((source) => source.writeKey)).size !== sources.length)
    throw new ConfigError('ITINERA_SOURCES: two sources share a write key');
  return sources;
}

function parseExternalIds(text: string | undefined): string[] {
  const kinds = (text ?? '')
    .split(',')
    .map((kind) => kind.trim())
    .filter(Boolean);
  for (const kind of kinds) {
    if (!NAME.test(kind) || RESERVED_KINDS.has(kind))
      throw new ConfigError(`ITINERA_EXTERNAL_IDS: "${kind}" must be lower-case letters, digits and _ and not a built-in identifier`);
  }
  return kinds;
}

function parseLimits(text: string | undefined): Record<string, number> {
  return Object.fromEntries(
    pairs('ITINERA_IDENTITY_LIMITS', text).map(([kind, value]) => {
      const limit = Number(value);
      if (!Number.isInteger(limit) || limit < 1)
        throw new ConfigError(`ITINERA_IDENTITY_LIMITS: the limit for ${kind} must be a whole number ≥ 1`);
      return [kind, limit];
    }),
  );
}

/** A PEM file named by a variable, read now: a missing file is a configuration error, not a failed handshake later. */
function pemFile(variable: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(`${variable}: cannot read "${path}" (${reason})`);
  }
}

function parseTemporalTls(e: z.infer<typeof schema>): { tls?: TemporalTls; apiKey?: string } {
  const tlsVariables = [
    'TEMPORAL_TLS',
    'TEMPORAL_TLS_CA_FILE',
    'TEMPORAL_TLS_CERT_FILE',
    'TEMPORAL_TLS_KEY_FILE',
    'TEMPORAL_TLS_SERVER_NAME',
    'TEMPORAL_API_KEY',
  ] as const;
  const set = tlsVariables.filter((variable) => e[variable] !== undefined);
  if (set.length === 0) return {};
  // The embedded dev server speaks plain gRPC on 127.0.0.1: these settings describe a cluster.
  if (!e.TEMPORAL_ADDRESS)
    throw new ConfigError(`${set.join(', ')}: only with TEMPORAL_ADDRESS (the embedded Temporal takes no TLS or API key)`);
  if ((e.TEMPORAL_TLS_CERT_FILE === undefined) !== (e.TEMPORAL_TLS_KEY_FILE === undefined)) {
    throw new ConfigError(
      'TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE: set both (the client certificate and its key, for mTLS) or neither',
    );
  }
  const ca = pemFile('TEMPORAL_TLS_CA_FILE', e.TEMPORAL_TLS_CA_FILE);
  const cert = pemFile('TEMPORAL_TLS_CERT_FILE', e.TEMPORAL_TLS_CERT_FILE);
  const key = pemFile('TEMPORAL_TLS_KEY_FILE', e.TEMPORAL_TLS_KEY_FILE);
  const wanted = e.TEMPORAL_TLS ?? true;
  if (!wanted && set.some((variable) => variable !== 'TEMPORAL_TLS')) {
    // An API key or a certificate over plain gRPC would travel in the clear.
    throw new ConfigError(
      `TEMPORAL_TLS=false contradicts ${set.filter((variable) => variable !== 'TEMPORAL_TLS').join(', ')}, which need TLS`,
    );
  }
  return {
    ...(wanted
      ? {
          tls: {
            ...(ca ? { ca } : {}),
            ...(cert ? { cert } : {}),
            ...(key ? { key } : {}),
            ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverName: e.TEMPORAL_TLS_SERVER_NAME } : {}),
          },
        }
      : {}),
    ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
  };
}

/**
 * By default the database's name: the ids that already carried it (segment recomputes, the
 * retention schedule) stay what they were, so a deployment that sets nothing keeps its
 * running workflows, and two deployments with databases of different names are apart.
 */
function parseDeploymentId(explicit: string | undefined, dbName: string): string {
  const id = explicit ?? dbName;
  if (!DEPLOYMENT_ID.test(id)) {
    const source = explicit === undefined ? `ITINERA_DEPLOYMENT_ID (by default MONGODB_DB, "${dbName}")` : 'ITINERA_DEPLOYMENT_ID';
    throw new ConfigError(`${source}: must be 1–64 letters, digits, _, . or -, starting with a letter or digit; set ITINERA_DEPLOYMENT_ID`);
  }
  return id;
}

/** Addresses and CIDRs (`10.0.0.0/8`, `::1`), or `loopback`, `linklocal`, `uniquelocal`. */
function parseTrustedProxies(text: string | undefined): string[] {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (PROXY_RANGES.has(entry)) continue;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigError(
        `ITINERA_TRUSTED_PROXIES: "${entry}" is not an address, a CIDR such as 10.0.0.0/8, or loopback, linklocal, uniquelocal`,
      );
    }
  }
  return entries;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production') {
    const defaults = [
      e.ITINERA_WRITE_KEY === DEV_WRITE_KEY && 'ITINERA_WRITE_KEY',
      e.ITINERA_ADMIN_KEY === DEV_ADMIN_KEY && 'ITINERA_ADMIN_KEY',
    ].filter(Boolean);
    if (defaults.length > 0) {
      throw new ConfigError(
        `refusing to start in production with the development default of ${defaults.join(' and ')}; set a secret value`,
      );
    }
  }
  if (e.ITINERA_WRITE_KEY === e.ITINERA_ADMIN_KEY) {
    throw new ConfigError('ITINERA_WRITE_KEY and ITINERA_ADMIN_KEY must differ: the write key is handed to browsers and apps');
  }
  const sources = parseSources(e.ITINERA_SOURCES, e.ITINERA_WRITE_KEY, e.ITINERA_ADMIN_KEY);
  if (e.ITINERA_SMTP_URL && !e.ITINERA_MAIL_FROM)
    throw new ConfigError('ITINERA_MAIL_FROM: required with ITINERA_SMTP_URL (the From of every e-mail)');
  if (e.ITINERA_ROLE !== 'all' && (!e.MONGODB_URI || !e.TEMPORAL_ADDRESS)) {
    // The embedded servers live and die with one `npm start`: processes apart cannot share them.
    throw new ConfigError(
      `ITINERA_ROLE=${e.ITINERA_ROLE}: processes apart need a MongoDB and a Temporal they share; set MONGODB_URI and TEMPORAL_ADDRESS (the embedded servers belong to one \`npm start\`, ITINERA_ROLE=all)`,
    );
  }
  const temporalSecurity = parseTemporalTls(e);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    dataDir: resolve(e.ITINERA_DATA_DIR),
    writeKey: e.ITINERA_WRITE_KEY,
    sources,
    allowedOrigins: parseOrigins(e.ITINERA_CORS_ORIGINS, ['default', ...sources.map((source) => source.name)]),
    ...(e.ITINERA_PUBLIC_URL ? { publicUrl: e.ITINERA_PUBLIC_URL.replace(/\/+$/, '') } : {}),
    ...(e.ITINERA_SMTP_URL ? { smtp: { url: e.ITINERA_SMTP_URL, from: e.ITINERA_MAIL_FROM! } } : {}),
    ...(e.ITINERA_LINK_SECRET ? { linkSecret: e.ITINERA_LINK_SECRET } : {}),
    ...(e.ITINERA_PRIVACY_SECRET ? { privacySecret: e.ITINERA_PRIVACY_SECRET } : {}),
    externalIdKinds: parseExternalIds(e.ITINERA_EXTERNAL_IDS),
    identityLimits: parseLimits(e.ITINERA_IDENTITY_LIMITS),
    adminKey: e.ITINERA_ADMIN_KEY,
    logLevel: e.LOG_LEVEL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      embeddedPort: e.TEMPORAL_PORT,
      embeddedUiPort: e.TEMPORAL_UI_PORT,
      ...temporalSecurity,
    },
    role: e.ITINERA_ROLE,
    deploymentId: parseDeploymentId(e.ITINERA_DEPLOYMENT_ID, e.MONGODB_DB),
    trustedProxies: parseTrustedProxies(e.ITINERA_TRUSTED_PROXIES),
    mongo: { uri: e.MONGODB_URI, dbName: e.MONGODB_DB, embeddedPort: e.FERRETDB_PORT },
    sweepIntervalMs: e.ITINERA_SWEEP_INTERVAL_MS,
    outboxLeaseMs: e.ITINERA_OUTBOX_LEASE_MS,
    readWaitMs: e.ITINERA_READ_WAIT_MS,
    stopTimeoutMs: e.ITINERA_STOP_TIMEOUT_MS,
    sessions: { absoluteMs: e.ITINERA_SESSION_HOURS * 60 * 60_000, idleMs: e.ITINERA_SESSION_IDLE_MINUTES * 60_000 },
    ...(e.ITINERA_METRICS_TOKEN ? { metricsToken: e.ITINERA_METRICS_TOKEN } : {}),
  };
}
