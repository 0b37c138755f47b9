import type { Adapter } from './adapter.ts';
import { DeliveryError } from './adapter.ts';
import type { Address, Platform, Reply, SentRef, TextReply } from './types.ts';

/**
 * The core's way to speak first (notices, announcements, reminders) without knowing any platform: it finds the
 * running adapter for an address. Features depend on this, never on an adapter.
 */
export class Messenger {
  private readonly adapters = new Map<Platform, Adapter>();

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

  async send(address: Address, reply: Reply): Promise<SentRef[]> {
    const adapter = this.adapters.get(address.platform);
    if (!adapter) throw new DeliveryError({ kind: 'retry', reason: `${address.platform} adapter is not running` });
    return adapter.send(address, reply);
  }

  /** Edits in place where the platform can; returns false where it cannot (the caller may send anew). */
  async edit(ref: SentRef, reply: TextReply): Promise<boolean> {
    const adapter = this.adapters.get(ref.address.platform);
    if (!adapter?.edit || !adapter.capabilities.edits) return false;
    await adapter.edit(ref, reply);
    return true;
  }
}
