/** What the segments API answers (docs/console.md, "the shared contract"). */

export type SegmentState = 'ready' | 'computing';

/** A recompute's progress, as the segment engine reports it. */
export interface Progress {
  phase?: 'facts' | 'members';
  done: number;
  total: number;
}

export interface SegmentSummary {
  name: string;
  title?: string;
  size: number;
  state: SegmentState;
  progress?: Progress;
  computedAt: string | null;
  /** The last 14 days, oldest first. */
  trend?: { day: string; size: number }[];
}

export interface SegmentList {
  version: number | null;
  segments: SegmentSummary[];
}

export interface SegmentDetail extends SegmentSummary {
  /** The segment's declaration, as written in the active rules. */
  source?: string;
  dependsOn?: string[];
  usedBy?: { segments: string[]; journeys: string[]; broadcasts?: string[] };
}

export type Granularity = 'day' | 'hour';

export interface HistoryPoint {
  at: string;
  entered: number;
  exited: number;
  /** The size at the end of the period. */
  size: number;
}

export interface History {
  granularity: Granularity;
  from: string;
  to: string;
  size: number;
  points: HistoryPoint[];
}

export interface Member {
  profileId: string;
  since: string;
  /** Only for roles that see personal data. */
  identifiers?: Record<string, string[] | undefined>;
}

export interface MemberPage {
  segment: string;
  members: Member[];
  nextCursor: string | null;
}

export interface Diagnostic {
  code: string;
  severity?: 'error' | 'warning';
  message: string;
  line?: number;
  column?: number;
  hint?: string;
}

export interface PreviewAnswer {
  diagnostics: Diagnostic[];
  segments?: { name: string; title?: string; size: number; sample: string[] }[];
}
