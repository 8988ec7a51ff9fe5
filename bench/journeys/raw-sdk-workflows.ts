/**
 * The raw-SDK baseline's workflow, bundled by its own worker: the journeys benchmark's drip
 * written directly against the SDK, as the Temporal samples would. Started by
 * signalWithStart, one local activity (the admission), then a send per chapter with a
 * timer between: the sends as regular activities or as local ones (`localSends`).
 */
import { defineSignal, proxyActivities, proxyLocalActivities, setHandler, sleep } from '@temporalio/workflow';
import type { RawSdkActivities } from './raw-sdk-activities.js';

export interface RawDripInput {
  person: number;
  recipient: string;
  chapters: number;
  gapMs: number;
  localSends: boolean;
}

export const rawSignupSignal = defineSignal('rawSignup');

const local = proxyLocalActivities<RawSdkActivities>({ startToCloseTimeout: '30 seconds' });
const regular = proxyActivities<RawSdkActivities>({ startToCloseTimeout: '1 minute' });

export async function rawDrip(input: RawDripInput): Promise<void> {
  setHandler(rawSignupSignal, () => undefined);
  await local.admit(input.person);
  const sends = input.localSends ? local : regular;
  for (let chapter = 1; chapter <= input.chapters; chapter++) {
    if (chapter > 1) await sleep(input.gapMs);
    await sends.sendChapter(input.recipient, chapter);
  }
}
