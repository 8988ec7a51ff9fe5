/**
 * The raw-SDK baseline of the journeys benchmark: the same drip for as many people,
 * written directly against @temporalio/client and @temporalio/worker (default worker
 * options) on the same Temporal server, sending to the same sink. What Itinera's journeys
 * are measured against: the cost of Temporal itself for this shape.
 *
 * Two shapes: the sends as regular activities (each a task through the server) or as
 * local activities (run inside the workflow task, a marker in the history).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { dripFigures, sampleRss, type DripFigures } from './figures.js';
import { allClosed, cpuMeter, historySample } from './profile.js';
import { createRawSdkActivities } from './raw-sdk-activities.js';
import type { Sink } from '../smtp-sink.js';
import { rawDrip, rawSignupSignal } from './raw-sdk-workflows.js';

export type RawSdkShape = 'regular-sends' | 'local-sends';

/** Concurrent signalWithStart calls: enough that starting is never what the drip waits for. */
const STARTERS = 32;

/** Runs whose histories are read for the profile, spread over the people. */
const HISTORY_SAMPLE = 50;

export interface RawSdkDrip {
  temporalAddress: string;
  namespace: string;
  sink: Sink;
  shape: RawSdkShape;
  people: number;
  chapters: number;
  gapMs: number;
  /** Gives up after this long. */
  timeoutMs: number;
}

export async function runRawSdkDrip(drip: RawSdkDrip): Promise<DripFigures> {
  const { sink, people, shape } = drip;
  sink.reset();
  const admitted = new Set<number>();
  let allAdmittedAt = 0;
  const { activities, close } = createRawSdkActivities({
    smtpUrl: sink.url,
    admitted: (person) => {
      admitted.add(person);
      if (admitted.size === people && allAdmittedAt === 0) allAdmittedAt = performance.now();
    },
  });
  const run = randomUUID().slice(0, 8);
  const taskQueue = `raw-${shape}-${run}`;
  const recipient = (person: number) => `raw-${shape}-${person}@bench.example`;
  const workerConnection = await NativeConnection.connect({ address: drip.temporalAddress });
  const clientConnection = await Connection.connect({ address: drip.temporalAddress });
  try {
    const worker = await Worker.create({
      connection: workerConnection,
      namespace: drip.namespace,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./raw-sdk-workflows.ts', import.meta.url)),
      activities,
    });
    const client = new Client({ connection: clientConnection, namespace: drip.namespace });
    const requestedAt = new Array<number>(people);
    const memory = sampleRss();
    const cpu = cpuMeter();
    const startedAt = performance.now();
    await worker.runUntil(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: STARTERS }, async () => {
          for (let person = next++; person < people; person = next++) {
            requestedAt[person] = performance.now();
            await client.workflow.signalWithStart(rawDrip, {
              taskQueue,
              workflowId: `raw-${run}-${person}`,
              args: [
                { person, recipient: recipient(person), chapters: drip.chapters, gapMs: drip.gapMs, localSends: shape === 'local-sends' },
              ],
              signal: rawSignupSignal,
              signalArgs: [],
            });
          }
        }),
      );
      const deadline = startedAt + drip.timeoutMs;
      while (sink.arrivals.length < people * drip.chapters) {
        if (performance.now() > deadline) throw new Error(`raw-SDK ${shape}: ${sink.arrivals.length} e-mails after ${drip.timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      // Every run closed, so the CPU and the histories are the runs' whole.
      await allClosed(client, `TaskQueue = '${taskQueue}'`, deadline);
    });
    const cpuMsPerRun = cpu.perRun(people);
    const sample = Array.from(
      { length: Math.min(people, HISTORY_SAMPLE) },
      (_, i) => `raw-${run}-${Math.floor((i * people) / HISTORY_SAMPLE)}`,
    );
    const history = await historySample(client, sample);
    return dripFigures({
      people,
      startedAt,
      allAdmittedAt,
      owedFrom: (person) => requestedAt[person]!,
      firstChapterAt: (person) => sink.firstChapterAt.get(recipient(person)),
      arrivals: sink.arrivals,
      rssMb: memory.stop(),
      profile: { cpuMsPerRun, history },
    });
  } finally {
    close();
    await clientConnection.close();
    await workerConnection.close();
  }
}
