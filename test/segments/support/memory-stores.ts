/**
 * The stores the segment engine and a deploy's recompute use (src/segments/engine.ts,
 * recompute.ts), kept in memory: for property tests that replay thousands of changes
 * through the real engine in the time one database round trip per change would take.
 * Only what those modules call is here; reads and writes are atomic (nothing awaits
 * between a profile's read and its write), as the guarded writes of the real stores are.
 */
import type { ProgramIR } from '../../../src/dsl/ir.js';
import type { EventDoc, ProfileDoc, SegmentCatalogDoc } from '../../../src/model.js';
import type { Stores } from '../../../src/store/index.js';
import type { LeafState } from '../../../src/store/segment-catalog.js';

export interface MemoryStoresOptions {
  profiles: readonly ProfileDoc[];
  /** Every event; the backfill reads those received by `now()`. */
  events: readonly EventDoc[];
  /** The rules version 1, active from `deployedAt` on. */
  ir: ProgramIR;
  deployedAt: number;
  now: () => Date;
}

export class MemoryStores {
  readonly profiles = new Map<string, ProfileDoc>();
  private readonly catalog = new Map<string, SegmentCatalogDoc>();
  private leafStates: Record<string, LeafState> = {};
  private readonly members = new Map<string, Set<string>>();

  constructor(private readonly options: MemoryStoresOptions) {
    for (const profile of options.profiles) this.profiles.set(profile._id, profile);
  }

  /** The stores as the engine and the recompute take them (only the methods they call exist). */
  asStores(): Stores {
    const { options } = this;
    const active = () => (options.now().getTime() >= options.deployedAt ? 1 : null);
    const ids = () => [...this.profiles.keys()].sort();
    const stores = {
      rules: {
        activeVersion: async () => active(),
        get: async (version: number) => (version === 1 ? { _id: 1, ir: options.ir } : null),
      },
      profiles: {
        // The engine writes its own fields with decideSegmentState; the two behave alike here.
        decideSegmentState: async <T extends { set?: Record<string, unknown> }>(
          id: string,
          decide: (profile: ProfileDoc) => T | Promise<T>,
        ) => {
          // As the database's guard: a decision made on a profile written meanwhile is made again.
          for (;;) {
            const profile = this.profiles.get(id);
            if (!profile) return null;
            const decision = await decide(profile);
            if (this.profiles.get(id) !== profile) continue;
            if (decision.set) this.profiles.set(id, withSet(profile, decision.set));
            return decision;
          }
        },
        idsAfter: async function* (after?: string) {
          yield* ids()
            .filter((id) => after === undefined || id > after)
            .map((_id) => ({ _id }));
        },
        findExactByIds: async (wanted: readonly string[]) =>
          new Map(wanted.flatMap((id) => (this.profiles.has(id) ? [[id, this.profiles.get(id)!] as const] : []))),
        estimatedCount: async () => this.profiles.size,
        redirects: { target: async () => null },
      },
      events: {
        factSourcesOf: async function* (profileId: string) {
          const now = options.now().getTime();
          yield* options.events.filter((event) => event.receivedAt.getTime() <= now && event.profileId === profileId);
        },
        factSourcesNamed: async function* (names: readonly string[]) {
          const now = options.now().getTime();
          yield* options.events.filter((event) => event.receivedAt.getTime() <= now && names.includes(event.event!));
        },
      },
      segments: {
        all: async () => [...this.catalog.values()],
        put: async (doc: SegmentCatalogDoc) => void this.catalog.set(doc._id, doc),
        create: async (doc: SegmentCatalogDoc) => {
          if (!this.catalog.has(doc._id)) this.catalog.set(doc._id, doc);
        },
        redefine: async (name: string, change: Partial<SegmentCatalogDoc>) => {
          const doc = this.catalog.get(name);
          if (!doc) return;
          const { progress: _progress, ...rest } = doc;
          this.catalog.set(name, { ...rest, ...change, state: 'computing' });
        },
        createMany: async (docs: readonly SegmentCatalogDoc[]) => {
          for (const doc of docs) if (!this.catalog.has(doc._id)) this.catalog.set(doc._id, doc);
        },
        markManyReady: async (computed: readonly { name: string; def: string }[], computedAt: Date) => {
          for (const { name, def } of computed) {
            const doc = this.catalog.get(name);
            if (!doc || doc.def !== def) continue;
            const { progress: _progress, firstComputation: _first, ...rest } = doc;
            this.catalog.set(name, { ...rest, state: 'ready', computedAt });
          }
        },
        removeMany: async (names: readonly string[]) => {
          for (const name of names) this.catalog.delete(name);
        },
        update: async (name: string, set: Partial<SegmentCatalogDoc>) => {
          const doc = this.catalog.get(name);
          if (doc) this.catalog.set(name, { ...doc, ...set });
        },
        setProgress: async (names: readonly string[], progress: SegmentCatalogDoc['progress']) => {
          for (const name of names) {
            const doc = this.catalog.get(name);
            if (doc) this.catalog.set(name, { ...doc, progress });
          }
        },
        addToSize: async () => undefined,
        leaves: async () => this.leafStates,
        updateLeaves: async (change: (leaves: Record<string, LeafState>) => Record<string, LeafState>) => {
          this.leafStates = change(this.leafStates);
          return this.leafStates;
        },
      },
      segmentMembers: {
        add: async (segment: string, profileId: string) => this.move(segment, profileId, true),
        remove: async (segment: string, profileId: string) => this.move(segment, profileId, false),
        count: async (segment: string) => this.members.get(segment)?.size ?? 0,
        moveMany: async (moves: readonly { segment: string; profileId: string; change: 'entered' | 'exited' }[]) =>
          moves.map(({ segment, profileId, change }) => this.move(segment, profileId, change === 'entered')),
        dropMany: async (segments: readonly string[]) => {
          for (const segment of segments) this.members.delete(segment);
        },
      },
      segmentHistory: { append: async () => undefined },
      segmentStats: { record: async () => undefined },
    };
    return stores as unknown as Stores;
  }

  private move(segment: string, profileId: string, into: boolean): boolean {
    const members = this.members.get(segment) ?? new Set<string>();
    this.members.set(segment, members);
    if (members.has(profileId) === into) return false;
    if (into) members.add(profileId);
    else members.delete(profileId);
    return true;
  }
}

/** A `$set` applied: top-level fields replaced, dotted ones (`segmentBackfill.<field>`) set one level down. */
function withSet(profile: ProfileDoc, set: Record<string, unknown>): ProfileDoc {
  const next: Record<string, unknown> = { ...profile };
  for (const [path, value] of Object.entries(set)) {
    const dot = path.indexOf('.');
    if (dot < 0) {
      next[path] = value;
      continue;
    }
    const [field, key] = [path.slice(0, dot), path.slice(dot + 1)];
    if (key.includes('.')) throw new Error(`memory stores: cannot set ${path}`);
    next[field] = { ...(next[field] as Record<string, unknown> | undefined), [key]: value };
  }
  return next as unknown as ProfileDoc;
}
