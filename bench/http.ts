/**
 * HTTP as Segment's SDKs do it: a 503 (Itinera's back-pressure) is sent again after its
 * Retry-After. Refusals are counted, so a benchmark can report how often it was slowed.
 */
export const refusals = { count: 0 };

export async function fetchRetrying(url: string, init: RequestInit): Promise<Response> {
  for (;;) {
    const response = await fetch(url, init);
    if (response.status !== 503) return response;
    refusals.count += 1;
    await response.arrayBuffer();
    const seconds = Number(response.headers.get('retry-after') ?? 1);
    await new Promise((resolve) => setTimeout(resolve, (Number.isFinite(seconds) ? seconds : 1) * 1000));
  }
}
