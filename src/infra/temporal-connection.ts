/**
 * Every connection to Temporal, the client's and the worker's, made from one description of
 * the server (address, namespace, TLS, API key), so a cluster's settings cannot reach one
 * and miss the other; and the start-up check that the namespace is there.
 */
import { connect } from 'node:net';
import { Connection, isGrpcServiceError, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, type TemporalTls } from '../config.js';

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** Absent: plain gRPC (the embedded dev server, a local cluster). */
  tls?: TemporalTls;
  /** Temporal Cloud's API key; implies TLS. */
  apiKey?: string;
}

/** gRPC status codes (fixed by the gRPC spec; the package that names them is not ours to import). */
const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

/** How long the start-up check waits for Temporal before starting without it (an API process may). */
const CHECK_TIMEOUT_MS = 5_000;

function tlsOptions(settings: TemporalSettings): ConnectionOptions['tls'] {
  // An API key travels only over TLS; the SDK would turn it on too, this says so where it is decided.
  if (!settings.tls && settings.apiKey === undefined) return undefined;
  const tls = settings.tls ?? {};
  return {
    ...(tls.ca ? { serverRootCACertificate: tls.ca } : {}),
    ...(tls.cert && tls.key ? { clientCertPair: { crt: tls.cert, key: tls.key } } : {}),
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
  };
}

/** The options both kinds of connection share. */
function commonOptions(settings: TemporalSettings): { address: string; tls?: ConnectionOptions['tls']; apiKey?: string } {
  const tls = tlsOptions(settings);
  return { address: settings.address, ...(tls ? { tls } : {}), ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}) };
}

/**
 * The client's connection, lazy: the API accepts events while Temporal is unreachable and
 * the outbox catches up, so nothing here waits for the server.
 */
export function clientConnection(settings: TemporalSettings, interceptors: NonNullable<ConnectionOptions['interceptors']>): Connection {
  return Connection.lazy({ ...commonOptions(settings), interceptors });
}

/** How long the worker keeps trying to connect: a server starting beside it (the embedded one, a supervisor's) gets this long. */
const WORKER_CONNECT_MS = 30_000;

/**
 * The worker's connection (Rust core): it must reach the server, or the worker cannot
 * start. A refused connection is tried again for a while, with growing pauses: a server
 * started at the same moment may not accept yet (seen with the embedded dev server on a
 * loaded machine). Past that, one line says what to check.
 */
export async function workerConnection(settings: TemporalSettings, waitMs = WORKER_CONNECT_MS): Promise<NativeConnection> {
  const deadline = Date.now() + waitMs;
  for (let pause = 250; ; pause = Math.min(pause * 2, 2000)) {
    try {
      return await NativeConnection.connect(commonOptions(settings));
    } catch (error) {
      if (Date.now() + pause > deadline) {
        throw new ConfigError(
          `TEMPORAL_ADDRESS: the worker cannot connect to Temporal at ${settings.address} (${oneLine(error)}); check the address, TLS and API key settings`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

export type NamespaceCheck = 'exists' | 'unreachable';

/**
 * Asks Temporal whether the namespace exists, on a connection of its own without retries
 * (the client's retries would hold a start-up against an unreachable server for minutes).
 * A missing namespace, or credentials refused, is a configuration error, one line long;
 * an unreachable server is reported as such for the caller to decide (an API process starts
 * anyway, a worker cannot).
 */
export async function checkNamespace(settings: TemporalSettings, timeoutMs = CHECK_TIMEOUT_MS): Promise<NamespaceCheck> {
  // gRPC waits out its whole deadline for a port nobody listens on: a refused TCP connect says so at once.
  if (!(await listening(settings.address, timeoutMs))) return 'unreachable';
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...commonOptions(settings), interceptors: [], connectTimeout: timeoutMs });
  } catch (error) {
    refusedCredentials(settings, error);
    return 'unreachable';
  }
  try {
    await connection.withDeadline(Date.now() + timeoutMs, () =>
      connection.workflowService.describeNamespace({ namespace: settings.namespace }),
    );
    return 'exists';
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === NOT_FOUND) {
      throw new ConfigError(
        `TEMPORAL_NAMESPACE: namespace "${settings.namespace}" does not exist on Temporal at ${settings.address}; ` +
          `create it (temporal operator namespace create --namespace ${settings.namespace}, or in Temporal Cloud) or set TEMPORAL_NAMESPACE to one that exists`,
      );
    }
    refusedCredentials(settings, error);
    return 'unreachable';
  } finally {
    await connection.close();
  }
}

/** Whether anything accepts a TCP connection at `host:port` (`[v6]:port`; 7233 without a port). */
function listening(address: string, timeoutMs: number): Promise<boolean> {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(address);
  // Something this does not read (a bare IPv6 address): gRPC will say.
  if (!match) return Promise.resolve(true);
  const [, v6, name, port] = match;
  const host = v6 ?? name;
  return new Promise((resolve) => {
    const socket = connect({ host: host!, port: Number(port ?? 7233), timeout: timeoutMs });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** A server that answers but refuses who we are: no retry or wait will mend that. */
function refusedCredentials(settings: TemporalSettings, error: unknown): void {
  const cause = error instanceof Error && isGrpcServiceError(error.cause) ? error.cause : error;
  if (isGrpcServiceError(cause) && (cause.code === UNAUTHENTICATED || cause.code === PERMISSION_DENIED)) {
    throw new ConfigError(
      `TEMPORAL_API_KEY / TEMPORAL_TLS_CERT_FILE: Temporal at ${settings.address} refused this client for namespace "${settings.namespace}" (${oneLine(cause)})`,
    );
  }
}

function oneLine(error: unknown): string {
  const message =
    error instanceof Error ? (isGrpcServiceError(error.cause) ? error.cause.details || error.cause.message : error.message) : String(error);
  return message.split('\n')[0]!.trim();
}
