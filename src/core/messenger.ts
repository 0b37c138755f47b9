import type { Adapter } from './adapter.ts';
import { DeliveryError } from './adapter.ts';
import type { Role } from './access.ts';
import type { Address, Platform, Reply, SentRef, TextReply, UiLanguage } from './types.ts';

/**
 * The core's way to speak first (notices, announcements, reminders) without knowing any platform: it finds the
 * running adapter for an address. Features depend on this, never on an adapter.
 */
export class Messenger {
  private readonly adapters = new Map<Platform, Adapter>();
  /** Gives buttons of a message sent first (not as an answer) their typed keys; the core plugs it in. */
  prepare: ((address: Address, reply: Reply) => Promise<Reply>) | undefined;

  register(adapter: Adapter): void {
    this.adapters.set(adapter.platform, adapter);
  }

  unregister(platform: Platform): void {
    this.adapters.delete(platform);
  }

  has(platform: Platform): boolean {
    return this.adapters.has(platform);
  }

  platforms(): Platform[] {
    return [...this.adapters.keys()];
  }

  capabilities(platform: Platform) {
    return this.adapters.get(platform)?.capabilities;
  }

  /** `keyed`: the reply's buttons already have their typed keys (an answer handled by the core for that chat). */
  async send(address: Address, reply: Reply, options: { keyed?: boolean } = {}): Promise<SentRef[]> {
    const adapter = this.adapters.get(address.platform);
    if (!adapter) throw new DeliveryError({ kind: 'retry', reason: `${address.platform} adapter is not running` });
    const prepared = this.prepare && !options.keyed && reply.kind === 'text' && reply.choices?.length && !address.group ? await this.prepare(address, reply) : reply;
    return adapter.send(address, prepared);
  }

  /** A deep link that starts the bot with `/start PAYLOAD` on that platform, where it has such links and is running. */
  startLink(platform: Platform, payload: string): string | undefined {
    return this.adapters.get(platform)?.startLink?.(payload);
  }

  /** A channel by its public name, where the platform can look one up and the bot may post in it. */
  async resolveChannel(platform: Platform, ref: string): Promise<{ chatId: string; title: string } | { error: 'not_found' | 'not_admin' } | undefined> {
    return this.adapters.get(platform)?.resolveChannel?.(ref);
  }

  /** Refreshes one account's command menu after its role or language changed; a no-op where menus are global. */
  async refreshMenu(address: Address, role: Role, language: UiLanguage): Promise<void> {
    await this.adapters.get(address.platform)?.refreshMenu?.(address.chatId, role, language);
  }

  /** Edits in place where the platform can; returns false where it cannot (the caller may send anew). */
  async edit(ref: SentRef, reply: TextReply): Promise<boolean> {
    const adapter = this.adapters.get(ref.address.platform);
    if (!adapter?.edit || !adapter.capabilities.edits) return false;
    await adapter.edit(ref, reply);
    return true;
  }
}
