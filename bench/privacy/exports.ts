/**
 * The export (art. 15/20) of each subject, measured: requested, polled until it offers a
 * download, downloaded once and counted, the bundle parsed and checked, the link refused
 * the second time; and an export before them, not measured.
 */
import { log, type PrivacyApi } from './api.js';
import { round, type Checker } from './figures.js';
import type { Subject } from './messages.js';

const exportDone = (status: Record<string, unknown>) =>
  (status.status === 'completed' && (typeof status.downloadUrl === 'string' || status.found === false)) || status.status === 'failed';

/** One export (downloaded) of a seed person, not measured, so that the light subject does not pay for the first export workflow. */
export async function warmUpExport(api: PrivacyApi, warmUpUserId: string): Promise<void> {
  const { expect, follow, onBase } = api;
  const opened = await expect(202, 'POST', '/v1/privacy/exports', { userId: warmUpUserId });
  const { status } = await follow(`/v1/privacy/exports/${String(opened.id)}`, opened, exportDone);
  if (typeof status.downloadUrl === 'string') await (await fetch(onBase(status.downloadUrl))).arrayBuffer();
  log(`warm-up export of ${warmUpUserId}: ${String(status.status)}, ${String(status.events)} events`);
}

/** Each subject's export, light then heavy: its figures by subject. */
export async function measureExports(
  api: PrivacyApi,
  subjects: Subject[],
  profileIds: Record<string, string>,
  check: Checker,
): Promise<Record<string, Record<string, unknown>>> {
  const { expect, follow, onBase } = api;
  const exports: Record<string, Record<string, unknown>> = {};
  for (const subject of subjects) {
    const posted = performance.now();
    const opened = await expect(202, 'POST', '/v1/privacy/exports', { userId: subject.userId, reason: 'privacy bench' });
    const id = String(opened.id);
    const { status, polls } = await follow(`/v1/privacy/exports/${id}`, opened, exportDone);
    const readyMs = performance.now() - posted;
    check(
      `${subject.name} export completed with a download link`,
      typeof status.downloadUrl === 'string',
      `status ${String(status.status)}, found ${String(status.found)}`,
    );
    if (typeof status.downloadUrl !== 'string') continue;
    const downloadUrl = onBase(status.downloadUrl);

    const downloadStarted = performance.now();
    const response = await fetch(downloadUrl);
    const headersMs = performance.now() - downloadStarted;
    let bytes = 0;
    let firstByteMs: number | undefined;
    const parts: Buffer[] = [];
    if (response.body) {
      for await (const chunk of response.body) {
        firstByteMs ??= performance.now() - downloadStarted;
        const part = Buffer.from(chunk as Uint8Array);
        bytes += part.length;
        parts.push(part);
      }
    }
    const downloadMs = performance.now() - downloadStarted;
    check(`${subject.name} download answered 200`, response.status === 200, `status ${response.status}`);
    check(
      `${subject.name} download is as many bytes as the status said`,
      bytes === status.bytes && String(bytes) === response.headers.get('content-length'),
      `${bytes} bytes, status ${String(status.bytes)}, Content-Length ${String(response.headers.get('content-length'))}`,
    );

    let bundleEvents = -1;
    let parseMs = 0;
    try {
      const parseStarted = performance.now();
      const bundle = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
        type?: unknown;
        version?: unknown;
        requestId?: unknown;
        profile?: { id?: unknown };
        identifiers?: { kind: string; value: string }[];
        events?: { profileId?: unknown; userId?: unknown }[];
      };
      parseMs = performance.now() - parseStarted;
      bundleEvents = Array.isArray(bundle.events) ? bundle.events.length : -1;
      const shapeOk =
        bundle.type === 'itinera.export' &&
        bundle.version === 1 &&
        bundle.requestId === id &&
        bundle.profile?.id === profileIds[subject.name] &&
        Array.isArray(bundle.identifiers) &&
        bundle.identifiers.some(({ kind, value }) => kind === 'userId' && value === subject.userId) &&
        bundle.identifiers.some(({ kind, value }) => kind === 'email' && value === subject.email);
      check(`${subject.name} bundle is an itinera.export of the person with their identifiers`, shapeOk);
      const ownEvents = (bundle.events ?? []).filter(
        (event) => event.profileId === profileIds[subject.name] && event.userId === subject.userId,
      ).length;
      check(
        `${subject.name} bundle holds their ${subject.tracks}+ events, all theirs, as many as the status said`,
        bundleEvents >= subject.tracks && ownEvents === bundleEvents && bundleEvents === status.events,
        `${bundleEvents} in the bundle (${ownEvents} theirs), status ${String(status.events)}`,
      );
    } catch (error) {
      check(`${subject.name} bundle is JSON`, false, String(error).slice(0, 300));
    }
    parts.length = 0;

    const again = await fetch(downloadUrl);
    const againBody = await again.text();
    check(`${subject.name} second download answers 410`, again.status === 410, `${again.status} ${againBody.slice(0, 200)}`);
    const after = await expect(200, 'GET', `/v1/privacy/exports/${id}`);
    check(`${subject.name} export no longer offers a link`, after.downloadUrl === undefined && after.downloadedAt !== undefined);

    const serverMs = Date.parse(String(status.updatedAt)) - Date.parse(String(status.createdAt));
    exports[subject.name] = {
      id,
      readyMs: Math.round(readyMs),
      /** createdAt → updatedAt of the request: the workflow's start and the build, without the bench's polling. */
      serverBuildMs: serverMs,
      polls,
      downloadMs: Math.round(downloadMs),
      downloadHeadersMs: Math.round(headersMs),
      downloadFirstByteMs: Math.round(firstByteMs ?? downloadMs),
      bytes,
      mbPerSecondDownload: round(bytes / 1024 / 1024 / (downloadMs / 1000), 2),
      eventsInStatus: status.events,
      eventsInBundle: bundleEvents,
      parseMs: Math.round(parseMs),
    };
    log(`${subject.name} export: ${JSON.stringify(exports[subject.name])}`);
  }
  return exports;
}
