import type { Logger } from 'pino';

/**
 * How long after start the first run waits: reminders missed while the bot was down are as good a second later, and
 * meanwhile the first answers (a backlog of updates after a restart) are not held up by them, nor by the ICU
 * time-zone data their first Riga date loads.
 */
export const FIRST_RUN_AFTER_MS = 1000;

/**
 * Background work done every so often (reminders): shortly after start, then every `everyMs`, never two runs at
 * once (a slow run is not overtaken by the next), errors logged rather than thrown. `stop` waits for a run under way.
 */
export class Ticker {
  private first: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly everyMs: number,
    private readonly work: () => Promise<unknown>,
    private readonly log: Logger,
    private readonly what: string,
    /** 0 runs at once, inside `start` (tests: the catch-up is done before they act, not at a moment of its own). */
    private readonly firstRunAfterMs = FIRST_RUN_AFTER_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    const run = () => {
      if (this.running) return;
      this.running = this.work()
        .catch((err) => this.log.error({ err }, `${this.what} failed`))
        .finally(() => (this.running = undefined));
    };
    if (this.firstRunAfterMs > 0) {
      this.first = setTimeout(run, this.firstRunAfterMs);
      this.first.unref();
    } else {
      run();
    }
    this.timer = setInterval(run, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.first) clearTimeout(this.first);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
