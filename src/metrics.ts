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
