/** What the journeys API answers (docs/console.md, "the shared contract"). */
import type { Diagram } from '../../diagram/types';

export interface JourneyVersion {
  rulesVersion: number;
  active: boolean;
  entered: number;
  running: number;
  /** Runs ended, by outcome (`completed`, `exited`, …). */
  ended: Record<string, number>;
  /** People not let in, by verdict (`no-consent`, `reentry-refused`, …). */
  refused: Record<string, number>;
  /** Messages sent by this version, by status. */
  messages: Record<string, number>;
  diagram?: Diagram;
}

export interface JourneySummary {
  name: string;
  title?: string;
  deployed: boolean;
  paused: boolean;
  /** Totals over every rules version. */
  entered?: number;
  running?: number;
  ended?: number;
  versions: JourneyVersion[];
}

export interface JourneyList {
  journeys: JourneySummary[];
}

export interface JourneyDetail extends JourneySummary {
  versions: JourneyVersion[];
}
