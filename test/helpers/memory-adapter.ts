import { type Adapter, DeliveryError, type DeliveryFailure, type IncomingHandler } from '../../src/core/adapter.ts';
import { toPlain } from '../../src/core/markup.ts';
import type { Address, Capabilities, Platform, Reply, SentRef, TextReply } from '../../src/core/types.ts';
import { TELEGRAM_CAPS } from './harness.ts';

export interface Delivered {
  chatId: string;
  text: string;
  reply: Reply;
  messageId: string;
}

/**
 * An adapter that keeps what it is asked to send, for tests of outbound work (announcements, reminders). Failures
 * can be scripted per chat: a queue of failures consumed one per send.
 */
export class MemoryAdapter implements Adapter {
  readonly delivered: Delivered[] = [];
  readonly edits: Array<{ ref: SentRef; text: string }> = [];
  private readonly failures = new Map<string, DeliveryFailure[]>();
  private readonly always = new Map<string, DeliveryFailure>();
  private next = 0;
  /** Called before each send; a test may throw from it to simulate a crash at that moment. */
  beforeSend: ((address: Address) => void) | undefined;

  constructor(
    readonly platform: Platform = 'telegram',
    readonly capabilities: Capabilities = TELEGRAM_CAPS,
  ) {}

  async start(_handler: IncomingHandler): Promise<void> {}
  async stop(): Promise<void> {}

  failNext(chatId: string, ...failures: DeliveryFailure[]): void {
    this.failures.set(chatId, [...(this.failures.get(chatId) ?? []), ...failures]);
  }

  failAlways(chatId: string, failure: DeliveryFailure): void {
    this.always.set(chatId, failure);
  }

  async send(address: Address, reply: Reply): Promise<SentRef[]> {
    this.beforeSend?.(address);
    const always = this.always.get(address.chatId);
    if (always) throw new DeliveryError(always);
    const queued = this.failures.get(address.chatId);
    if (queued?.length) throw new DeliveryError(queued.shift()!);
    const messageId = String(++this.next);
    const text = reply.kind === 'text' || reply.kind === 'form' || reply.kind === 'toast' ? toPlain(reply.text) : `[${reply.kind} ${reply.file.name}]`;
    this.delivered.push({ chatId: address.chatId, text, reply, messageId });
    return [{ address, messageId }];
  }

  async edit(ref: SentRef, reply: TextReply): Promise<void> {
    this.edits.push({ ref, text: toPlain(reply.text) });
  }

  to(chatId: string): Delivered[] {
    return this.delivered.filter((d) => d.chatId === chatId);
  }
}
