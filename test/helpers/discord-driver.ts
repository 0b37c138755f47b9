import { DiscordAdapter } from '../../adapters/discord/discord-adapter.ts';
import type { App } from '../../src/app.ts';
import type { Adapter } from '../../src/core/adapter.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeDiscord, type FakeInteraction, type FakeMessage, type InteractionResponse, type Json } from '../fakes/discord-api.ts';

type DmExpect = number | ((messages: FakeMessage[]) => boolean);

/**
 * The real Discord adapter (discord.js) against the fake Discord, driven as people would: slash commands, button
 * presses by label, modal submits, direct messages.
 */
export class DiscordDriver {
  private last = new Map<string, { interaction?: FakeInteraction; responses: InteractionResponse[] }>();

  private constructor(
    readonly fake: FakeDiscord,
    readonly adapter: DiscordAdapter,
  ) {}

  static async start(app: App, options: { deferAfterMs?: number; with?: Adapter[] } = {}): Promise<DiscordDriver> {
    const fake = await FakeDiscord.start({ guildId: '900000000000000001' });
    const adapter = new DiscordAdapter({
      token: 'fake-token',
      applicationId: fake.applicationId,
      guildId: fake.guildId!,
      apiRoot: fake.apiRoot,
      log: silentLogger,
      menus: { commandMenu: (role, lng) => app.core.commandMenu(role, lng), privilegedAccounts: (p) => app.people.privilegedAccounts(p) },
      ...(options.deferAfterMs !== undefined ? { deferAfterMs: options.deferAfterMs } : {}),
    });
    await app.start([adapter, ...(options.with ?? [])]);
    await fake.waitFor(() => Object.keys(fake.commands.guilds).length > 0, 10_000);
    return new DiscordDriver(fake, adapter);
  }

  async stop(): Promise<void> {
    await this.fake.stop();
  }

  /** Waits until the interaction has been answered and the answers have settled. */
  private async settle(interaction: FakeInteraction, userId: string, min = 1): Promise<InteractionResponse[]> {
    // A deferral ("thinking…", on a loaded machine) is not the answer yet: wait for what follows it.
    const answered = () => {
      const r = this.fake.responsesTo(interaction);
      return r.length >= min && !(r.length === 1 && r[0]!.callbackType === 5);
    };
    await this.fake.waitFor(answered, 10_000);
    let count = -1;
    // Follow-ups arrive one after another: wait until no new one came for a moment.
    for (let i = 0; i < 50 && count !== this.fake.responsesTo(interaction).length; i++) {
      count = this.fake.responsesTo(interaction).length;
      await new Promise((r) => setTimeout(r, 60));
    }
    const responses = this.fake.responsesTo(interaction);
    this.last.set(userId, { interaction, responses });
    return responses;
  }

  async slash(userId: string, name: string, options: Record<string, string> = {}, where: { dm?: boolean; locale?: string } = { dm: true }): Promise<InteractionResponse[]> {
    const i = this.fake.slashCommand({ userId, name, options, ...(where.dm ? { dm: true } : {}), ...(where.locale ? { locale: where.locale } : {}) });
    return this.settle(i, userId);
  }

  buttons(userId: string): Array<{ label: string; customId: string }> {
    const responses = this.last.get(userId)?.responses ?? [];
    const out: Array<{ label: string; customId: string }> = [];
    const walk = (components: Json[]) => {
      for (const c of components) {
        if (c.type === 2 && c.custom_id) out.push({ label: c.label, customId: c.custom_id });
        if (c.type === 3) for (const o of c.options ?? []) out.push({ label: o.label, customId: `${c.custom_id}=>${o.value}` });
        if (c.components) walk(c.components);
      }
    };
    for (const r of responses) walk(r.components ?? []);
    return out;
  }

  async press(userId: string, label: string | RegExp, where: { dm?: boolean } = { dm: true }): Promise<InteractionResponse[]> {
    const b = this.buttons(userId).find((x) => (typeof label === 'string' ? x.label.includes(label) : label.test(x.label)));
    if (!b) throw new Error(`no button ${String(label)} among ${this.buttons(userId).map((x) => x.label).join(' | ')}`);
    let i: FakeInteraction;
    if (b.customId.includes('=>')) {
      const [customId, value] = b.customId.split('=>');
      i = this.fake.selectOption({ userId, customId: customId!, values: [value!], ...(where.dm ? { dm: true } : {}) });
    } else {
      i = this.fake.pressButton({ userId, customId: b.customId, ...(where.dm ? { dm: true } : {}) });
    }
    return this.settle(i, userId);
  }

  async submitModal(userId: string, customId: string, fields: Record<string, string>, from?: FakeInteraction): Promise<InteractionResponse[]> {
    const i = this.fake.submitModal({ userId, customId, fields, ...(from ? { from } : {}) });
    return this.settle(i, userId);
  }

  lastInteraction(userId: string): FakeInteraction | undefined {
    return this.last.get(userId)?.interaction;
  }

  /** Sends a file as an attachment in a DM (no text) and waits for the bot's answers there. */
  dmFile(userId: string, filename: string, bytes: Uint8Array | string, expect: DmExpect = 1, contentType?: string): Promise<string[]> {
    return this.dm(userId, '', expect, [{ filename, bytes, ...(contentType ? { contentType } : {}) }]);
  }

  /**
   * Types a message to the bot in a DM and waits for its answers (sent as DMs): `expect` messages, or until the
   * answers so far satisfy it (a long answer comes in several messages).
   */
  async dm(userId: string, content: string, expect: DmExpect = 1, files?: Array<{ filename: string; bytes: Uint8Array | string; contentType?: string }>): Promise<string[]> {
    const before = this.fake.dmsTo(userId).length;
    this.fake.userSaysInDm({ userId, content, ...(files ? { files } : {}) });
    const enough = typeof expect === 'number' ? () => this.fake.dmsTo(userId).length >= before + expect : () => expect(this.fake.dmsTo(userId).slice(before));
    await this.fake.waitFor(enough, 10_000);
    await new Promise((r) => setTimeout(r, 100));
    const msgs = this.fake.dmsTo(userId).slice(before);
    this.last.set(userId, { responses: msgs.map((m) => ({ components: m.components, content: m.content }) as unknown as InteractionResponse) });
    return msgs.map((m) => m.content);
  }

  static text(responses: InteractionResponse[]): string {
    return responses.map((r) => r.content ?? '').join('\n---\n');
  }
}
