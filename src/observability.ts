import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { HttpRoute } from './core/router.ts';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type UpdateOutcome = 'ok' | 'error';

/**
 * The bot's Prometheus metrics, in a registry of its own (several apps can live in one process, as in tests):
 * updates handled by platform, payload type and outcome, how long handling took, deliveries by outcome, and the
 * outbox's queue depth (read from the database on each scrape). Process metrics are added when the HTTP server
 * starts, so apps that never serve them pay nothing for them.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly updates: Counter<'platform' | 'type' | 'outcome'>;
  private readonly updateSeconds: Histogram<'platform'>;
  private readonly deliveries: Counter<'platform' | 'outcome'>;
  /** Each label set's counter and histogram, found once: prom-client hashes a label object on every call. */
  private readonly handled = new Map<string, { count: { inc(): void }; time: { observe(seconds: number): void } }>();
  private defaultsOn = false;

  constructor(options: { queueDepth?: () => Promise<number> } = {}) {
    const registers = [this.registry];
    this.updates = new Counter({
      name: 'bot_updates_total',
      help: 'Incoming messages, commands and button presses handled, by platform, payload type and outcome',
      labelNames: ['platform', 'type', 'outcome'],
      registers,
    });
    this.updateSeconds = new Histogram({
      name: 'bot_update_duration_seconds',
      help: 'Time from an incoming update to its replies being ready (queueing behind the same person included)',
      labelNames: ['platform'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.deliveries = new Counter({
      name: 'bot_deliveries_total',
      help: 'Announcement deliveries by platform and outcome (sent, unreachable, failed, retry)',
      labelNames: ['platform', 'outcome'],
      registers,
    });
    const queueDepth = options.queueDepth;
    new Gauge({
      name: 'bot_outbox_queue_depth',
      help: 'Outbox rows waiting or in flight, across all announcement runs',
      registers,
      async collect() {
        if (!queueDepth) return;
        try {
          this.set(await queueDepth());
        } catch {
          // The database is unavailable: /healthz says so; the gauge keeps its last value.
        }
      },
    });
  }

  updateHandled(platform: string, type: string, outcome: UpdateOutcome, seconds: number): void {
    const key = `${platform}\n${type}\n${outcome}`;
    let children = this.handled.get(key);
    if (!children) this.handled.set(key, (children = { count: this.updates.labels({ platform, type, outcome }), time: this.updateSeconds.labels({ platform }) }));
    children.count.inc();
    children.time.observe(seconds);
  }

  delivery(platform: string, outcome: string): void {
    this.deliveries.inc({ platform, outcome });
  }

  /** Node's process metrics (CPU, memory, event-loop lag, GC), under their usual names. */
  enableDefaultMetrics(): void {
    if (this.defaultsOn) return;
    this.defaultsOn = true;
    collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

export interface Health {
  ok: boolean;
  [detail: string]: unknown;
}

export interface ObservabilityServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `GET /healthz` (200 with `{"status":"ok",…}` when `health()` says so, else 503) and `GET /metrics` (Prometheus
 * text format) on their own port, and the features' read-only pages (the calendar feed, behind a secret token).
 */
export async function startObservabilityServer(options: {
  port: number;
  host?: string;
  metrics: Metrics;
  health: () => Promise<Health>;
  log: Logger;
  /** Features' pages (the calendar feed). */
  routes?: readonly HttpRoute[];
}): Promise<ObservabilityServer> {
  const { metrics, health, log } = options;
  metrics.enableDefaultMetrics();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const answer = async () => {
      if (path === '/healthz') {
        const h = await health().catch((err: unknown): Health => ({ ok: false, error: err instanceof Error ? err.message : String(err) }));
        const { ok, ...details } = h;
        const body = JSON.stringify({ status: ok ? 'ok' : 'unavailable', ...details });
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
        return;
      }
      if (path === '/metrics') {
        const body = await metrics.text();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
        return;
      }
      const route = options.routes?.find((r) => r.path === path);
      if (route) {
        const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
        const out = await route.handle(query);
        res.writeHead(out.status, { 'content-type': out.type, 'cache-control': 'no-store', ...out.headers }).end(req.method === 'HEAD' ? undefined : out.body);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    };
    answer().catch((err: unknown) => {
      log.warn({ err, path }, 'observability request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'health and metrics served');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Rejects if `p` takes longer than `ms` (a health check must answer even when the database hangs). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    t.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
