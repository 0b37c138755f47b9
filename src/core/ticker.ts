import type { Logger } from 'pino';

/**
 * Background work done every so often (reminders): once at start, then every `everyMs`, never two runs at once
 * (a slow run is not overtaken by the next), errors logged rather than thrown. `stop` waits for a run under way.
 */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly everyMs: number,
    private readonly work: () => Promise<unknown>,
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  start(): void {
    if (this.timer) return;
    const run = () => {
      if (this.running) return;
      this.running = this.work()
        .catch((err) => this.log.error({ err }, `${this.what} failed`))
        .finally(() => (this.running = undefined));
    };
    run();
    this.timer = setInterval(run, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
