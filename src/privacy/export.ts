/**
 * The data export (GDPR art. 15, access, and art. 20, portability): one JSON document with
 * everything Itinera holds about a person — profile, identifiers, traits, consent ledger
 * with proofs, messages, segment history, journey runs and history, and every event —
 * written as it is read, in chunks, so a person with a million events costs the same memory
 * as one with ten. Events come last, in storage order (each carries its timestamp).
 */
import type { ProfileDoc } from '../model.js';
import type { ExportBundle } from '../store/privacy-requests.js';
import type { Stores } from '../store/index.js';

/** How long a built export can be downloaded (once). */
export const EXPORT_VALID_MS = 7 * 24 * 3600 * 1000;
export const EXPORT_FORMAT = 'itinera.export';

/** About this many characters per stored chunk. */
const CHUNK_CHARS = 256 * 1024;

class ChunkWriter {
  private buffer: string[] = [];
  private size = 0;
  chunks = 0;
  bytes = 0;

  constructor(
    private readonly stores: Stores,
    private readonly exportId: string,
  ) {}

  async write(text: string): Promise<void> {
    this.buffer.push(text);
    this.size += text.length;
    this.bytes += Buffer.byteLength(text);
    if (this.size >= CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    await this.stores.exportChunks.put(this.exportId, this.chunks++, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }
}

function profilePart(profile: ProfileDoc) {
  return {
    id: profile._id,
    traits: profile.traits,
    tags: profile.tags ?? [],
    consents: profile.consents,
    segments: profile.segments ?? {},
    groups: profile.groupIds ?? [],
    mergedFrom: profile.mergedFrom ?? [],
    ...(profile.restricted ? { restricted: profile.restricted } : {}),
    firstSeenAt: profile.firstSeenAt,
    lastSeenAt: profile.lastSeenAt,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}

/**
 * Builds the request's bundle from scratch (a retry after a crash deletes what an earlier
 * attempt wrote first). `beat` is called as events stream, to show the work goes on.
 */
export async function buildExport(stores: Stores, requestId: string, now: Date, beat: () => void = () => {}): Promise<ExportBundle> {
  const request = await stores.privacyRequests.findById(requestId);
  if (!request) throw new Error(`no export request ${requestId}`);
  if (request.bundle) return request.bundle;
  await stores.exportChunks.delete(requestId);
  const profile = request.profileId ? await stores.profiles.findById(request.profileId) : null;
  const expiresAt = new Date(now.getTime() + EXPORT_VALID_MS);
  if (!profile) return { found: false, chunks: 0, bytes: 0, events: 0, builtAt: now, expiresAt };

  const ids = [profile._id, ...(profile.mergedFrom ?? [])];
  const out = new ChunkWriter(stores, requestId);
  const part = async (name: string, value: unknown) => out.write(`,${JSON.stringify(name)}:${JSON.stringify(value)}`);
  await out.write(
    `{"type":${JSON.stringify(EXPORT_FORMAT)},"version":1,"requestId":${JSON.stringify(requestId)},"exportedAt":${JSON.stringify(now.toISOString())}`,
  );
  await part('profile', profilePart(profile));
  await part(
    'identifiers',
    Object.entries(profile.identities).flatMap(([kind, values]) => (values ?? []).map((value) => ({ kind, value }))),
  );
  await part('consentLedger', await stores.consents.findByIds(profile.consentLog ?? []));
  await part('messages', await stores.deliveries.ofProfiles(ids));
  const history = [];
  for (const id of ids)
    history.push(
      ...(await stores.segmentHistory.ofProfile(id, Number.MAX_SAFE_INTEGER, id === profile._id ? profile.segmentChangeCount : undefined)),
    );
  // Changes still being copied are on the profile, and may be in the history already.
  const changes = new Map([...history, ...(profile.segmentChanges ?? [])].map((change) => [change._id, change]));
  await part(
    'segmentHistory',
    [...changes.values()].sort((a, b) => a.at.getTime() - b.at.getTime()),
  );
  await part('journeys', {
    running: Object.values(profile.journeys ?? {}).map(({ journey, rulesVersion, enteredAt }) => ({ journey, rulesVersion, enteredAt })),
    history: Object.entries(profile.journeyHistory ?? {}).map(([journey, { entries, lastEnteredAt }]) => ({
      journey,
      entries,
      lastEnteredAt,
    })),
  });
  await out.write(',"events":[');
  let events = 0;
  for await (const event of stores.events.streamOfProfiles(ids)) {
    await out.write(`${events === 0 ? '' : ','}${JSON.stringify(event)}`);
    if (++events % 1000 === 0) beat();
  }
  await out.write(']}');
  await out.flush();
  return { found: true, chunks: out.chunks, bytes: out.bytes, events, builtAt: now, expiresAt };
}
