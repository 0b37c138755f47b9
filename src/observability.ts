import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { HttpRoute } from './core/router.ts';
import type { Health } from './health.ts';
import type { Metrics } from './metrics.ts';

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
