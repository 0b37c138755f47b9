import type { Address, Reply } from '../../core/types.ts';
import type { Translator } from '../../i18n/index.ts';
import { type DeliveryOutcome, DeliveryWorker } from '../announcements/worker.ts';
import type { SendPacer } from '../announcements/rate-limit.ts';
import type { FeatureDeps } from '../deps.ts';
import type { PeopleService } from '../people/people-service.ts';
import { type NoticeRow, NoticeStore } from './store.ts';

/** What every feature has, less the notices themselves (which these deps build). */
export interface NoticesDeps extends Pick<FeatureDeps, 'db' | 'dialect' | 'clock' | 'log' | 'i18n' | 'messenger'> {
  people: Pick<PeopleService, 'addressesOf' | 'languageOf'>;
  /** Shared with announcements, so both together keep under each platform's limits. */
  limiter: SendPacer;
  leaseMs?: number;
  /** Run the worker in the background (off where a test drives it with `flush`). */
  background?: boolean;
}

/** The error of a notice given up because its moment had passed (a reminder). */
export const EXPIRED = 'expired: its moment has passed';

/** What a notice is, as coordinators see it in the list of undelivered ones. */
export type NoticeKind = 'role_request' | 'role_decision' | 'invite_used' | 'account_linked' | 'catalogue_reminder' | 'idea_reminder' | 'visit_reminder' | 'announcement_report' | 'answer';

/**
 * Every message the bot sends a person first, other than announcements, goes through here: it is written to the
 * `notices` table and delivered by the same worker as announcements (atomic claims, retries with backoff, 429s
 * pausing the platform, a lease), so one 502 or 429 no longer loses a coordinator's role request. A notice that
 * finally fails is kept (without its text) for coordinators to see in /undelivered.
 */
export class Notices {
  readonly store: NoticeStore;
  readonly worker: DeliveryWorker<NoticeRow>;
  private readonly listeners: Array<(row: NoticeRow, outcome: DeliveryOutcome) => void> = [];

  constructor(private readonly deps: NoticesDeps) {
    this.store = new NoticeStore(deps.db, deps.dialect, async (row, tried) => {
      if (row.person_id === null) return undefined;
      return (await this.reachable(row.person_id)).find((a) => !tried.includes(`${a.platform}:${a.chatId}`));
    });
    this.worker = new DeliveryWorker({
      store: this.store,
      messenger: deps.messenger,
      clock: deps.clock,
      log: deps.log,
      limiter: deps.limiter,
      concurrency: 2,
      ...(deps.leaseMs ? { leaseMs: deps.leaseMs } : {}),
      render: async (row) => {
        if (row.expires_at && deps.clock.now().toISOString() >= row.expires_at) throw new Error(EXPIRED);
        return decodeReplies(row.body);
      },
      address: (row) => ({ platform: row.platform, chatId: row.chat_id, ...(row.is_group ? { group: true } : {}) }),
      onOutcome: (row, outcome) => {
        for (const l of this.listeners) l(row, outcome);
      },
    });
  }

  onOutcome(listener: (row: NoticeRow, outcome: DeliveryOutcome) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.deps.background !== false) this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
  }

  /** Delivers everything due now and waits until nothing is in flight (tests; a clean hand-over). */
  async flush(): Promise<void> {
    await this.worker.drain();
    await this.worker.idle();
  }

  /**
   * Queues a message to a person in their language, for the first of their accounts on a running platform (the
   * preferred one, then the most recently used); the next account is tried if that one is unreachable. False when
   * the person has no account the bot can reach now.
   */
  async toPerson(personId: string, kind: NoticeKind, build: (tr: Translator) => Reply | Reply[], options: { dedupeKey?: string; expiresAt?: Date } = {}): Promise<boolean> {
    const [first] = await this.reachable(personId);
    if (!first) {
      this.deps.log.warn({ person: personId, kind }, 'notice not queued: no account on a running platform');
      return false;
    }
    const tr = this.deps.i18n.translator(await this.deps.people.languageOf(personId));
    const built = build(tr);
    return this.enqueue(personId, kind, first, Array.isArray(built) ? built : [built], options.dedupeKey, 0, options.expiresAt);
  }

  /** Queues replies for one chat (answers a platform refused for the moment, reports), delivered in the background. */
  async toChat(address: Address, replies: Reply[], kind: NoticeKind = 'answer', delayMs = 0): Promise<boolean> {
    return this.enqueue(null, kind, address, replies, undefined, delayMs);
  }

  private async enqueue(personId: string | null, kind: NoticeKind, address: Address, replies: Reply[], dedupeKey?: string, delayMs = 0, expiresAt?: Date): Promise<boolean> {
    const now = this.deps.clock.now();
    const queued = await this.store.insert({
      personId,
      kind,
      address,
      body: encodeReplies(replies),
      ...(dedupeKey ? { dedupeKey } : {}),
      now,
      due: new Date(now.getTime() + delayMs),
      ...(expiresAt ? { expiresAt } : {}),
    });
    this.worker.kick();
    return queued || dedupeKey !== undefined;
  }

  private async reachable(personId: string): Promise<Address[]> {
    return (await this.deps.people.addressesOf(personId)).filter((a) => this.deps.messenger.has(a.platform));
  }
}

/** Replies as JSON for the table (file bytes as base64). */
export function encodeReplies(replies: Reply[]): string {
  return JSON.stringify(replies, (_k, v: unknown) => (v instanceof Uint8Array ? { $bytes: Buffer.from(v).toString('base64') } : v));
}

export function decodeReplies(body: string): Reply[] {
  return JSON.parse(body, (_k, v: unknown) => (v && typeof v === 'object' && '$bytes' in v ? new Uint8Array(Buffer.from(String((v as { $bytes: string }).$bytes), 'base64')) : v)) as Reply[];
}
