/** A journey drawn from its text, as `GET /v1/journeys/:name` sends it per rules version. */

export interface StepCounts {
  reached: number;
  waiting: number;
  passed: number;
  endedHere: number;
}

export interface DiagramBlock {
  /** `then`, `else`, `otherwise`, `50%`, the loop's body… */
  label: string;
  nodes: DiagramNode[];
}

export interface DiagramNode {
  id: string;
  /** `trigger`, `sendEmail`, `wait`, `if`, `waitFor`, `split`, `for`, … */
  kind: string;
  label: string;
  counts: StepCounts;
  blocks?: DiagramBlock[];
  /** Inside a `for`: each iteration's counts (`counts` holds their sum). */
  iterations?: { label: string; counts: StepCounts }[];
}

export interface Diagram {
  nodes: DiagramNode[];
}
