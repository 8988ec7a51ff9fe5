/**
 * Where simulations run: Temporal's time-skipping test server and a worker of the real
 * journey workflow with the simulated activities, on a task queue of its own. Started on
 * the first simulation (the server takes a few seconds, the workflow bundle more) and kept
 * warm until the runtime closes.
 *
 * One simulation at a time: the server has one clock, and a simulation moves it to
 * deliver its events; two at once would move each other's. Each takes well under a second
 * once warm, however long its waits.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type InjectedSinks, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from '../logger.js';
import type { JourneySinks } from '../workflows/messages.js';
import { createSimulatedActivities, type SimulationSession } from './activities.js';

export const SIMULATION_TASK_QUEUE = 'itinera-simulation';

/** The workflow code the worker runs: the journey workflow, as production loads it. */
function journeyWorkflowPath(): string {
  const ts = fileURLToPath(new URL('../workflows/journey.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('../workflows/journey.js', import.meta.url));
}

// Bundling takes seconds and its result never changes within a process: once.
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: journeyWorkflowPath(), logger: quietBundlerLogger }).catch((error: unknown) => {
    bundle = undefined;
    throw error;
  });
  return bundle;
}

const ignore = () => undefined;
const quietBundlerLogger = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

/** A warm environment: the server, the worker and the runs it serves. */
export interface WarmSimulation {
  env: TestWorkflowEnvironment;
  /** A client that leaves the server's clock alone (the environment's own moves it while awaiting a result). */
  client: Client;
  sessions: Map<string, SimulationSession>;
}

interface Started extends WarmSimulation {
  worker: Worker;
  running: Promise<void>;
}

export interface SimulationEnvironmentOptions {
  /** The time-skipping server's binary, provisioned as `npm start` provisions its servers. */
  testServerBinary: () => Promise<string>;
  logger: Logger;
}

/** The time-skipping server or the worker could not start (the binary could not be provisioned, say). */
export class SimulationUnavailable extends Error {}

export class SimulationEnvironment {
  private started: Promise<Started> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: SimulationEnvironmentOptions) {}

  /**
   * Bundles the journey workflow ahead of the first simulation. Bundling takes about 1.2 s
   * of CPU once; the time-skipping server then starts in about 0.2 s, so the first
   * simulation answers in under a second too (docs/simulation.md). `npm start` calls it a
   * moment after it is ready; a failure is left for the first simulation to report.
   */
  prepare(): void {
    if (!this.closed) void workflowBundle().catch(() => undefined);
  }

  /** Runs `work` alone on the warm environment, starting it first if needed. */
  run<T>(work: (warm: WarmSimulation) => Promise<T>): Promise<T> {
    const turn = this.queue.then(async () => {
      if (this.closed) throw new Error('the simulation environment is closed');
      return work(await this.start());
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private start(): Promise<Started> {
    this.started ??= this.launch().catch((error: unknown) => {
      this.started = undefined;
      this.options.logger.error({ err: error }, 'the simulation environment did not start');
      // The next simulation tries again: provisioning may have been a passing failure.
      throw new SimulationUnavailable(`the simulation environment did not start: ${(error as Error).message?.split('\n')[0] ?? error}`);
    });
    return this.started;
  }

  private async launch(): Promise<Started> {
    const { logger } = this.options;
    const begun = Date.now();
    const [path, code] = await Promise.all([this.options.testServerBinary(), workflowBundle()]);
    // Loaded with the first simulation: a process that never simulates never loads it.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
    const sessions = new Map<string, SimulationSession>();
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue: SIMULATION_TASK_QUEUE,
        workflowBundle: code,
        activities: createSimulatedActivities(sessions),
        sinks: stepMarks(sessions),
      });
      const running = worker.run().catch((error: unknown) => logger.error({ err: error }, 'the simulation worker failed'));
      logger.info({ ms: Date.now() - begun }, 'simulation environment started');
      const client = new Client({ connection: env.connection, ...(env.namespace ? { namespace: env.namespace } : {}) });
      return { env, client, sessions, worker, running };
    } catch (error) {
      await env.teardown();
      throw error;
    }
  }

  /** Stops the worker and the server, if they were started; waits for a simulation in progress. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const started = await this.started?.catch(() => undefined);
    if (!started) return;
    if (started.worker.getState() === 'RUNNING') started.worker.shutdown();
    await started.running;
    await started.env.teardown();
  }
}

/** The runs' funnel marks (reached, passed) name the steps on each run's timeline. */
function stepMarks(sessions: ReadonlyMap<string, SimulationSession>): InjectedSinks<JourneySinks> {
  return {
    journeyStats: {
      count: {
        fn: (info, _journey, _rulesVersion, field) => sessions.get(info.workflowId)?.timeline.mark(field),
        callDuringReplay: false,
      },
    },
  };
}
