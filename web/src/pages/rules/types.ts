/** The rules API as the console reads it (docs/console.md, the shared contract). */
import type { Diagnostic } from '../../editor/compile-protocol';

export type { Diagnostic };

export interface ActiveRules {
  version: number;
  deployedAt: string;
  deployedBy?: string;
  note?: string;
  source: string;
}

export interface VersionEntry {
  version: number;
  deployedAt: string;
  deployedBy?: string;
  note?: string;
  active: boolean;
  rolledBackFrom?: number;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}

export interface Summary {
  ok: boolean;
  diagnostics: Diagnostic[];
  activeVersion?: number | null;
  patch?: string;
  hunks: Hunk[];
  segments: {
    added: { name: string; title?: string; previewSize?: number }[];
    changed: { name: string; title?: string; previewSize?: number; currentSize?: number }[];
    removed: { name: string; currentSize?: number }[];
  };
  journeys: {
    added: { name: string; title?: string }[];
    changed: { name: string; title?: string; runningOnOldVersions?: number }[];
    removed: { name: string; runningOnOldVersions?: number }[];
  };
  consents?: { added: { name: string }[]; changed: { name: string }[]; removed: { name: string }[] };
  warnings: { code: string; message: string; journey?: string; step?: string; template?: string; destination?: string }[];
}

export interface DeployAnswer {
  version: number;
  diagnostics?: Diagnostic[];
  rolledBackFrom?: number;
}
