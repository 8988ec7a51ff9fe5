/**
 * Enrichment benchmark: how many messages per second `enrich` turns into traits, with the
 * real geo-IP database. Ingestion must sustain 3,000 events/s, and enrichment is only one
 * step of it, so the target is ten times that for typical traffic: 30,000/s, i.e. at most
 * a tenth of a core at full ingestion rate.
 *
 * Two workloads: "typical" (a few dozen user agents recurring, as real traffic does, with
 * a fresh random public address per event so the geo-IP cache rarely helps) and "worst
 * case" (every user agent new, so each one is parsed).
 *
 *   npx tsx bench/enrich-bench.ts
 */
import { pathToFileURL } from 'node:url';
import { createEnricher, type EnrichableMessage, type Enricher } from '../src/ingest/enrich.js';

export interface EnrichBenchFigures {
  /** Typical workload, messages per second. */
  perSecond: number;
  /** Every message with a never-seen user agent, messages per second. */
  perSecondUniqueUserAgents: number;
  events: number;
  geoIpAvailable: boolean;
  /** Time to open both geo-IP files, in ms. */
  geoIpLoadMs: number;
  /** Resident set size after the run, in MB (the geo-IP files are held in memory). */
  rssMb: number;
}

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const LOCALES = ['en-US', 'pl-PL', 'de-DE', 'fr-FR', 'en_GB'];
const ZONES = ['Europe/Warsaw', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Not/AZone'];

/** A deterministic pseudo-random public-looking IPv4 address (private ones just get skipped). */
function address(i: number): string {
  const x = Math.imul(i + 1, 2654435761) >>> 0;
  return `${1 + (x % 223)}.${(x >>> 8) & 255}.${(x >>> 16) & 255}.${(x >>> 24) & 255}`;
}

function message(i: number, uniqueUserAgent: boolean): EnrichableMessage {
  const userAgent = USER_AGENTS[i % USER_AGENTS.length]!;
  return {
    type: i % 3 === 0 ? 'page' : 'track',
    context: {
      userAgent: uniqueUserAgent ? `${userAgent} App/${i}` : userAgent,
      locale: LOCALES[i % LOCALES.length],
      timezone: ZONES[i % ZONES.length],
      ip: address(i),
      page: { url: `https://shop.example.com/products/${i % 500}?utm_source=news`, referrer: 'https://www.google.com/' },
    },
    properties: { url: `https://shop.example.com/products/${i % 500}` },
  };
}

function measure(enricher: Enricher, messages: EnrichableMessage[]): number {
  for (const m of messages.slice(0, 1_000)) enricher.enrich(m); // warm up the JIT
  const started = performance.now();
  let traits = 0;
  for (const m of messages) traits += Object.keys(enricher.enrich(m)).length;
  const seconds = (performance.now() - started) / 1000;
  if (traits === 0) throw new Error('enrichment produced no traits: the benchmark measures nothing');
  return Math.round(messages.length / seconds);
}

export async function runEnrichBench(events = 50_000): Promise<EnrichBenchFigures> {
  const loadStarted = performance.now();
  const enricher = await createEnricher();
  const geoIpLoadMs = Math.round(performance.now() - loadStarted);
  const typical = Array.from({ length: events }, (_, i) => message(i, false));
  // Offset so that the unique user agents were never seen (and remembered) before.
  const unique = Array.from({ length: events }, (_, i) => message(events + i, true));
  return {
    perSecond: measure(enricher, typical),
    perSecondUniqueUserAgents: measure(enricher, unique),
    events,
    geoIpAvailable: enricher.geoIp.available,
    geoIpLoadMs,
    rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runEnrichBench();
  console.log(JSON.stringify(figures, null, 2));
  const ok = figures.geoIpAvailable && figures.perSecond >= 30_000;
  console.log(ok ? 'within target (30,000 enrichments/s)' : 'OUTSIDE target (30,000 enrichments/s, with geo-IP)');
}
