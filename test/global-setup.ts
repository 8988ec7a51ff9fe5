/**
 * Starts the real servers every integration test runs against, once per `npm test`:
 * a Temporal dev server and FerretDB on free ports with throw-away data, and makes sure
 * the time-skipping test server is provisioned, after building dist/ if it is older than
 * src/. Tests find the servers through `inject()`.
 * When TEMPORAL_ADDRESS or MONGODB_URI is set, that server is used instead.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startFerretDb, startTemporalDevServer } from '../src/infra/embedded.js';
import { freePorts, type ManagedProcess } from '../src/infra/process.js';
import { ensureFerretDb, ensureTemporalCli, ensureTestServer } from '../src/infra/provision.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    mongoUri: string;
    testServerBinary: string;
  }
}

/** Tests of the command line run bin/itinera.js, which refuses a build older than src/. */
function buildIfStale(): void {
  const build = spawnSync(process.execPath, ['scripts/build.js', '--if-stale'], { cwd: join(import.meta.dirname, '..'), stdio: 'inherit' });
  if (build.status !== 0)
    throw new Error(`npm run build failed (exit ${build.status ?? build.signal}); the tests need a current build in dist/`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const progress = (message: string) => console.log(`[test setup] ${message}`);
  buildIfStale();
  const dataDir = await mkdtemp(join(tmpdir(), 'itinera-test-'));
  const started: ManagedProcess[] = [];
  const teardown = async () => {
    await Promise.all(started.map((proc) => proc.stop()));
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const [temporalBinary, testServerBinary, ferretBinary] = await Promise.all([
      process.env.TEMPORAL_ADDRESS ? undefined : ensureTemporalCli(progress),
      ensureTestServer(progress),
      process.env.MONGODB_URI ? undefined : ensureFerretDb(progress),
    ]);
    // Every port chosen at once, the dev server's HTTP API and metrics ports too: a port the
    // CLI picked for itself was once taken by FerretDB's before the CLI bound it.
    const [port, httpPort, metricsPort, ferretPort] = await freePorts(4);
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    if (!temporalAddress && temporalBinary) {
      started.push(
        await startTemporalDevServer({
          binary: temporalBinary,
          dataDir,
          port: port!,
          httpPort,
          metricsPort,
          uiPort: 0,
          headless: true,
          namespace: 'default',
        }),
      );
      temporalAddress = `127.0.0.1:${port}`;
    }
    let mongoUri = process.env.MONGODB_URI;
    if (!mongoUri && ferretBinary) {
      started.push(await startFerretDb({ binary: ferretBinary, dataDir, port: ferretPort! }));
      mongoUri = `mongodb://127.0.0.1:${ferretPort}/`;
    }
    project.provide('temporalAddress', temporalAddress!);
    project.provide('mongoUri', mongoUri!);
    project.provide('testServerBinary', testServerBinary);
    progress(`Temporal at ${temporalAddress}, MongoDB protocol at ${mongoUri}`);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
