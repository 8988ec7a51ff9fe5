/**
 * All configuration, read from the environment and validated in one place. Nothing else
 * reads `process.env` for settings.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

/** Documented development defaults; refused when NODE_ENV=production. */
export const DEV_WRITE_KEY = 'dev-write-key';
export const DEV_ADMIN_KEY = 'dev-admin-key';

const port = z.coerce.number().int().min(1).max(65535);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  ITINERA_DATA_DIR: z.string().min(1).default('./data'),
  ITINERA_WRITE_KEY: z.string().min(8, 'must be at least 8 characters').default(DEV_WRITE_KEY),
  ITINERA_ADMIN_KEY: z.string().min(8, 'must be at least 8 characters').default(DEV_ADMIN_KEY),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('itinera'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  MONGODB_URI: z.string().startsWith('mongodb', 'must be a mongodb:// or mongodb+srv:// URI').optional(),
  MONGODB_DB: z.string().min(1).default('itinera'),
  FERRETDB_PORT: port.default(27017),
  /** How often the outbox sweeper looks for events whose dispatch did not happen. */
  ITINERA_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  dataDir: string;
  writeKey: string;
  adminKey: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  temporal: { address?: string; namespace: string; taskQueue: string; embeddedPort: number; embeddedUiPort: number };
  mongo: { uri?: string; dbName: string; embeddedPort: number };
  sweepIntervalMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
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
      throw new ConfigError(`refusing to start in production with the development default of ${defaults.join(' and ')}; set a secret value`);
    }
  }
  if (e.ITINERA_WRITE_KEY === e.ITINERA_ADMIN_KEY) {
    throw new ConfigError('ITINERA_WRITE_KEY and ITINERA_ADMIN_KEY must differ: the write key is handed to browsers and apps');
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    dataDir: resolve(e.ITINERA_DATA_DIR),
    writeKey: e.ITINERA_WRITE_KEY,
    adminKey: e.ITINERA_ADMIN_KEY,
    logLevel: e.LOG_LEVEL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      embeddedPort: e.TEMPORAL_PORT,
      embeddedUiPort: e.TEMPORAL_UI_PORT,
    },
    mongo: { uri: e.MONGODB_URI, dbName: e.MONGODB_DB, embeddedPort: e.FERRETDB_PORT },
    sweepIntervalMs: e.ITINERA_SWEEP_INTERVAL_MS,
  };
}
