import type { ScheduledTask } from 'node-cron';
import { nodeCron } from './node-cron.ts';
import { type Markup, esc, markup } from '../../core/markup.ts';
import { ZONE } from '../../core/time.ts';
import { FIRST_RUN_AFTER_MS } from '../../core/ticker.ts';
import { type Address, type Reply, text, type UiLanguage } from '../../core/types.ts';
import type { FeatureDeps } from '../deps.ts';
import { type Audience, prepareAudience, resolveAudience, type VisitAttendees } from './audience.ts';
import { OutboxStore, type OutboxRow, type RunCounts } from './outbox.ts';
import { type PlatformLimits, RateLimiter, type SendPacer, type Timer } from './rate-limit.ts';
import { tick, type TickResult } from './scheduler.ts';
import { type AnnouncementRow, AnnouncementStore, type RunRow } from './store.ts';
import type { AnnouncementKind } from './tables.ts';
import { type DeliveryOutcome, DeliveryWorker } from './worker.ts';

export interface AnnouncementsOptions {
  visitAttendees?: VisitAttendees;
  limits?: Record<import('../../core/types.ts').Platform, PlatformLimits>;
  /** Real time for pacing sends (tests pass one that never waits). */
  timer?: Timer;
  /** A limiter shared with other senders (notices); otherwise one of its own from `limits` and `timer`. */
  limiter?: SendPacer;
  concurrency?: number;
  leaseMs?: number;
  /** Least time between two edits of one progress message (platforms throttle edits). */
  progressIntervalMs?: number;
  /** Run the minute ticker and the delivery worker in the background (off in unit tests, which drive them). */
  background?: boolean;
}

/**
 * Announcements end to end: runs started by the scheduler, delivered by the worker through the outbox, with one
 * progress message per run edited in place and a report at the end.
 */
export class AnnouncementsService {
  readonly store: AnnouncementStore;
  readonly outbox: OutboxStore;
  readonly worker: DeliveryWorker<OutboxRow>;
  /** Paces every send the bot makes first on a platform: announcements and notices share it. */
  readonly limiter: SendPacer;
  private cron: ScheduledTask | undefined;
  private delayedStart: NodeJS.Timeout | undefined;
  private starting: Promise<void> = Promise.resolve();
  private ticking: Promise<unknown> = Promise.resolve();
  private readonly dirty = new Set<string>();
  private progressTimer: NodeJS.Timeout | undefined;
  private lastProgress = 0;
  private flushing: Promise<void> = Promise.resolve();
  private readonly renderCache = new Map<string, { a: AnnouncementRow; at: number }>();
  private readonly outcomeListeners: Array<(row: OutboxRow, outcome: DeliveryOutcome) => void> = [];

  constructor(
    private readonly deps: FeatureDeps,
    private readonly options: AnnouncementsOptions = {},
  ) {
    this.store = new AnnouncementStore(deps.db);
    this.outbox = new OutboxStore(deps.db, deps.dialect);
    this.limiter = options.limiter ?? new RateLimiter(options.limits, options.timer);
    this.worker = new DeliveryWorker({
      store: this.outbox,
      messenger: deps.messenger,
      clock: deps.clock,
      log: deps.log,
      limiter: this.limiter,
      render: (row) => this.render(row),
      onMoved: (platform, from, to) => this.chatMoved(platform, from, to),
      onOutcome: (row, outcome) => {
        this.touch(row.run_id);
        for (const listener of this.outcomeListeners) listener(row, outcome);
      },
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    });
  }

  /** Whether deliveries are moving (see DeliveryWorker.health). */
  deliveryHealth(): { ok: true } | { ok: false; reason: string } {
    return this.worker.health(this.deps.clock.now());
  }

  /** A chat moved to a new id (a Telegram group upgraded): a registered audience follows it. */
  chatMoved(platform: Address['platform'], from: string, to: string): Promise<void> {
    return moveAudienceChat(this.deps, platform, from, to);
  }

  /** Told after every delivery attempt's outcome (metrics). */
  onOutcome(listener: (row: OutboxRow, outcome: DeliveryOutcome) => void): void {
    this.outcomeListeners.push(listener);
  }

  setVisitAttendees(fn: VisitAttendees): void {
    this.options.visitAttendees = fn;
  }

  async start(): Promise<void> {
    if (this.options.background === false) return;
    this.worker.start();
    // Runs interrupted by a restart get their progress and report from here on.
    for (const run of await this.store.runningRuns()) this.touch(run.id);
    // The catch-up and the minute schedule a moment after start, like reminders: the first answers after a restart
    // do not wait for them, nor for the ICU time-zone data the schedule's Riga zone loads (about 10 ms). Test apps
    // ask for no delay.
    const after = this.deps.firstTickAfterMs ?? FIRST_RUN_AFTER_MS;
    if (after <= 0) return this.schedule();
    this.delayedStart = setTimeout(() => {
      this.starting = this.schedule().catch((err) => this.deps.log.error({ err }, 'announcements schedule failed to start'));
    }, after);
    this.delayedStart.unref();
  }

  private async schedule(): Promise<void> {
    // Catch up (runs missed while the bot was down), then each minute in Riga time.
    await this.tickNow();
    await this.askAboutPausedRuns();
    this.cron = nodeCron().schedule('* * * * *', () => void this.tickNow(), { timezone: ZONE, noOverlap: true, name: 'announcements-tick' });
  }

  async stop(): Promise<void> {
    clearTimeout(this.delayedStart);
    await this.starting;
    await this.cron?.destroy();
    await this.worker.stop();
    await this.ticking;
    if (this.progressTimer) clearTimeout(this.progressTimer);
    await this.flushProgress();
  }

  private audienceDeps() {
    return {
      municipalities: this.deps.municipalities,
      admins: this.deps.config.admins,
      ...(this.options.visitAttendees ? { visitAttendees: this.options.visitAttendees } : {}),
    };
  }

  audienceSize(audience: Audience, kind: AnnouncementKind) {
    return resolveAudience(this.deps.db, audience, kind, this.audienceDeps());
  }

  /** Starts whatever is due now; serialized, so overlapping wake-ups do not race each other. */
  tickNow(): Promise<TickResult> {
    const run = this.ticking.then(async () => {
      const result = await tick(
        {
          db: this.deps.db,
          log: this.deps.log,
          graceMs: this.deps.config.announceGraceMs,
          prepare: (audience) => prepareAudience(audience, this.audienceDeps()),
        },
        this.deps.clock.now(),
      );
      for (const s of result.started) await this.announceStart(s.runId, s.announcement, s.total);
      for (const m of result.missed) await this.reportMissed(m.announcement, m.scheduledFor);
      if (result.started.length) this.worker.kick();
      return result;
    });
    this.ticking = run.catch((err) => this.deps.log.error({ err }, 'announcement tick failed'));
    return run;
  }

  /** A run paused by a restore goes on: its undelivered rows are sent (some people may get it twice). */
  async resumeRun(runId: string): Promise<boolean> {
    const ok = await this.store.resumeRun(runId, this.deps.clock.now());
    if (ok) {
      this.touch(runId);
      this.worker.kick();
    }
    return ok;
  }

  /**
   * Each paused run's coordinator is asked once (across restarts and instances) to resume or stop it, with what is
   * known: how many were delivered by the time of the backup, and that later deliveries cannot be known.
   */
  private async askAboutPausedRuns(): Promise<void> {
    for (const run of await this.store.pausedToNotice(this.deps.clock.now())) {
      const a = await this.store.get(run.announcement_id);
      if (!a) continue;
      const tr = this.deps.i18n.translator(a.report_language);
      const c = await this.outbox.counts(run.id);
      const body = tr.t('announcements:restore.paused', { title: headline(a.text), sent: c.sent, total: c.total, held: c.pending });
      const buttons = [[{ label: tr.plain('announcements:restore.resume'), action: `ann:resume:${run.id}` }, { label: tr.plain('announcements:list.stop'), action: `ann:stop:${run.id}` }]];
      await this.deps.notices.toChat(this.reportAddress(a), [text(body, buttons)], 'announcement_report');
    }
  }

  async stopRun(runId: string): Promise<boolean> {
    const now = this.deps.clock.now();
    await this.outbox.cancelPending(runId, now);
    const changed = await this.store.completeRun(runId, 'stopped', now);
    if (changed) await this.finishRun(runId);
    return changed;
  }

  private reportAddress(a: AnnouncementRow): Address {
    // The coordinator composed it in a private chat (the compose flow is private-only).
    return { platform: a.report_platform, chatId: a.report_chat_id };
  }

  private async announceStart(runId: string, a: AnnouncementRow, total: number): Promise<void> {
    if (total === 0) {
      if (await this.store.completeRun(runId, 'done', this.deps.clock.now())) await this.finishRun(runId);
      return;
    }
    try {
      const tr = this.deps.i18n.translator(a.report_language);
      const [ref] = await this.deps.messenger.send(this.reportAddress(a), text(this.progressText(tr, a, { total, pending: total, sent: 0, unreachable: 0, failed: 0, cancelled: 0 })));
      if (ref) await this.store.setProgressMessage(runId, ref.messageId);
    } catch (err) {
      this.deps.log.warn({ err, run: runId }, 'could not post the progress message');
    }
  }

  private async reportMissed(a: AnnouncementRow, scheduledFor: Date): Promise<void> {
    const tr = this.deps.i18n.translator(a.report_language);
    const msg = tr.t('announcements:report.missed', {
      title: headline(a.text),
      time: scheduledFor,
      hours: Math.round(this.deps.config.announceGraceMs / 3_600_000),
    });
    await this.deps.notices.toChat(this.reportAddress(a), [text(msg)], 'announcement_report');
  }

  /** A run changed: update its progress soon, not more often than the platform allows edits. */
  touch(runId: string): void {
    this.dirty.add(runId);
    if (this.progressTimer) return;
    const interval = this.options.progressIntervalMs ?? 3000;
    const wait = Math.max(0, this.lastProgress + interval - Date.now());
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      void this.flushProgress();
    }, wait);
    this.progressTimer.unref();
  }

  /**
   * Edits the progress messages of changed runs; finishes runs with nothing left to send. Flushes run one after
   * another, so a caller waiting on one also waits for a flush already under way.
   */
  flushProgress(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow()).catch((err) => this.deps.log.warn({ err }, 'progress flush failed'));
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    this.lastProgress = Date.now();
    const runs = [...this.dirty];
    this.dirty.clear();
    for (const runId of runs) {
      try {
        const counts = await this.outbox.counts(runId);
        if (counts.pending === 0) {
          if (await this.store.completeRun(runId, 'done', this.deps.clock.now())) await this.finishRun(runId);
          continue;
        }
        const run = await this.store.getRun(runId);
        if (!run || run.status !== 'running' || !run.progress_message_id) continue;
        const a = await this.store.get(run.announcement_id);
        if (!a) continue;
        const tr = this.deps.i18n.translator(a.report_language);
        await this.deps.messenger.edit({ address: this.reportAddress(a), messageId: run.progress_message_id }, text(this.progressText(tr, a, counts)));
      } catch (err) {
        this.deps.log.warn({ err, run: runId }, 'progress update failed');
      }
    }
  }

  /** The final state in the progress message and a report as a new message (so the coordinator is notified). */
  private async finishRun(runId: string): Promise<void> {
    const run = await this.store.getRun(runId);
    if (!run) return;
    const a = await this.store.get(run.announcement_id);
    if (!a) return;
    const counts = await this.outbox.counts(runId);
    const tr = this.deps.i18n.translator(a.report_language);
    const reasons = await this.outbox.failureReasons(runId);
    const report = this.reportText(tr, a, run, counts, reasons);
    try {
      if (run.progress_message_id) {
        await this.deps.messenger.edit({ address: this.reportAddress(a), messageId: run.progress_message_id }, text(this.progressText(tr, a, counts, run.status)));
      }
    } catch (err) {
      this.deps.log.warn({ err, run: runId }, 'could not show the final state in the progress message');
    }
    // The report itself must reach the coordinator: it goes through the notice outbox, with its retries.
    await this.deps.notices.toChat(this.reportAddress(a), [text(report)], 'announcement_report');
  }

  progressText(tr: ReturnType<FeatureDeps['i18n']['translator']>, a: AnnouncementRow, c: RunCounts, status: RunRow['status'] = 'running'): Markup {
    const key = `announcements:progress.${status === 'missed' ? 'done' : status}`;
    return tr.t(key, { title: headline(a.text), sent: c.sent, total: c.total, unreachable: c.unreachable, failed: c.failed });
  }

  reportText(tr: ReturnType<FeatureDeps['i18n']['translator']>, a: AnnouncementRow, run: RunRow, c: RunCounts, reasons: Array<{ error: string; n: number }>): Markup {
    const lines: Markup[] = [
      tr.t(run.status === 'stopped' ? 'announcements:report.stopped_title' : 'announcements:report.title', { title: headline(a.text) }),
      tr.t('announcements:report.delivered', { count: c.sent, total: c.total }),
    ];
    if (c.unreachable) lines.push(tr.t('announcements:report.unreachable', { count: c.unreachable }));
    if (c.failed) {
      lines.push(tr.t('announcements:report.failed', { count: c.failed }));
      for (const r of reasons) lines.push(markup`  · ${esc(r.error)} (${r.n})`);
    }
    if (c.cancelled) lines.push(tr.t('announcements:report.cancelled', { count: c.cancelled }));
    if (run.skipped) lines.push(tr.t('announcements:report.skipped', { count: run.skipped }));
    if (c.total === 0) lines.push(tr.t('announcements:report.nobody'));
    return lines.join('\n') as Markup;
  }

  /** The message one recipient gets, in their language: a headline with the kind, the text, the file. */
  async render(row: OutboxRow): Promise<Reply[]> {
    const runId = row.run_id;
    let cached = this.renderCache.get(runId);
    if (!cached || Date.now() - cached.at > 60_000) {
      const run = await this.store.getRun(runId);
      if (!run) throw new Error('run not found');
      const a = await this.store.get(run.announcement_id);
      if (!a) throw new Error('announcement not found');
      cached = { a, at: Date.now() };
      this.renderCache.set(runId, cached);
      if (this.renderCache.size > 100) this.renderCache.delete(this.renderCache.keys().next().value!);
    }
    return renderAnnouncement(this.deps, cached.a, row.language, row.person_id !== null);
  }
}

export function renderAnnouncement(deps: Pick<FeatureDeps, 'i18n'>, a: Pick<AnnouncementRow, 'kind' | 'text' | 'file_name' | 'file_mime' | 'file_data'>, lng: UiLanguage, personal: boolean): Reply[] {
  const tr = deps.i18n.translator(lng);
  const parts: Markup[] = [tr.t('announcements:message.header', { kind: tr.plain(`announcements:kinds.${a.kind}`) }), a.text as Markup];
  if (personal) parts.push(tr.t('announcements:message.footer'));
  const replies: Reply[] = [text(parts.join('\n\n') as Markup)];
  if (a.file_data && a.file_name) {
    replies.push({ kind: 'file', file: { name: a.file_name, mime: a.file_mime ?? 'application/octet-stream', data: new Uint8Array(a.file_data) } });
  }
  return replies;
}

/**
 * A registered group that moved to a new id (Telegram upgrades a group to a supergroup): it stays an audience under
 * the new id. If the new id was registered too, the old registration goes.
 */
export async function moveAudienceChat(deps: Pick<FeatureDeps, 'db' | 'log'>, platform: Address['platform'], from: string, to: string): Promise<void> {
  const existing = await deps.db.selectFrom('audience_chats').select('id').where('platform', '=', platform).where('chat_id', '=', to).executeTakeFirst();
  if (existing) await deps.db.deleteFrom('audience_chats').where('platform', '=', platform).where('chat_id', '=', from).execute();
  else await deps.db.updateTable('audience_chats').set({ chat_id: to }).where('platform', '=', platform).where('chat_id', '=', from).execute();
  deps.log.info({ platform, from, to }, 'audience chat moved to a new id');
}

/** The first line of an announcement, short, as plain text for reports. */
export function headline(m: string): string {
  const plain = m.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const first = plain.split('\n').find((l) => l.trim()) ?? '';
  return first.length > 60 ? `${first.slice(0, 57)}…` : first;
}

