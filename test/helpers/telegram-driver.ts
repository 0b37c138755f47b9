import { createServer } from 'node:net';
import { TelegramAdapter } from '../../adapters/telegram/telegram-adapter.ts';
import type { Logger } from 'pino';
import type { App } from '../../src/app.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeTelegram, type SentMessage } from '../fakes/telegram-bot-api.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The real Telegram adapter (grammY) against the fake Bot API, driven as a person on a phone would. */
export class TelegramDriver {
  private constructor(
    readonly fake: FakeTelegram,
    readonly adapter: TelegramAdapter,
  ) {}

  static async start(app: App, options: { webhook?: { secret: string }; fake?: FakeTelegram; log?: Logger; downloadTimeoutMs?: number } = {}): Promise<TelegramDriver> {
    const fake = options.fake ?? (await FakeTelegram.start({ botUsername: 'roma_network_bot' }));
    const adapter = await TelegramDriver.adapter(app, fake, options);
    await app.start([adapter]);
    return new TelegramDriver(fake, adapter);
  }

  /** The adapter as `start` makes it, not started (to run beside another platform's). */
  static async adapter(app: App, fake: FakeTelegram, options: { webhook?: { secret: string }; log?: Logger; downloadTimeoutMs?: number } = {}): Promise<TelegramAdapter> {
    const port = options.webhook ? await freePort() : 0;
    return new TelegramAdapter({
      token: fake.token,
      apiRoot: fake.apiRoot,
      log: options.log ?? silentLogger,
      menus: { commandMenu: (role, lng) => app.core.commandMenu(role, lng), privilegedAccounts: (p) => app.people.privilegedAccounts(p) },
      retryDelayMs: 50,
      pollingTimeoutSeconds: 1,
      ...(options.downloadTimeoutMs ? { downloadTimeoutMs: options.downloadTimeoutMs } : {}),
      ...(options.webhook ? { webhook: { url: `http://127.0.0.1:${port}/telegram`, secret: options.webhook.secret, port } } : {}),
    });
  }

  /** Sends a message as the user and returns the bot's messages to that chat that follow it. */
  async say(userId: number, text: string, opts: { languageCode?: string; expect?: number; chat?: { id: number; type: 'group' | 'supergroup'; title?: string } } = {}): Promise<SentMessage[]> {
    const chatId = opts.chat?.id ?? userId;
    const since = this.fake.sent.length;
    this.fake.userSays({ userId, text, ...(opts.languageCode ? { languageCode: opts.languageCode } : {}), ...(opts.chat ? { chat: opts.chat } : {}) });
    return this.collect(chatId, since, opts.expect ?? 1);
  }

  /**
   * Presses a button (by label) on the latest message to that user that has it, as the message is now (an edit
   * in place counts). `expect` new messages are waited for; 0 when the press edits its message instead.
   */
  async press(userId: number, label: string | RegExp, expect = 1): Promise<SentMessage[]> {
    const rows = (m: SentMessage) => ((m.replyMarkup as { inline_keyboard?: Array<Array<{ text: string }>> } | undefined)?.inline_keyboard ?? []);
    const matches = (b: { text: string }) => (typeof label === 'string' ? b.text.includes(label) : label.test(b.text));
    const message = [...this.fake.messagesTo(userId)].reverse().find((m) => rows(m).flat().some(matches));
    if (!message) throw new Error(`no button ${String(label)} in the chat with ${userId}`);
    const button = rows(message).flat().find(matches)!;
    const since = this.fake.sent.length;
    this.fake.userPresses({ userId, message: { chatId: message.chatId, messageId: message.messageId }, button: button.text });
    if (expect === 0) {
      await this.fake.waitFor(() => this.fake.callsTo('answerCallbackQuery').length > 0 && this.fake.sent.length > since, 10_000);
      return this.fake.sent.slice(since);
    }
    return this.collect(userId, since, expect);
  }

  async collect(chatId: number, since: number, expect: number): Promise<SentMessage[]> {
    // Generous: a reply that draws a chart or writes a document takes seconds on a busy machine; a passing test never waits it out.
    await this.fake.waitFor(() => this.fake.sent.slice(since).filter((m) => m.chatId === chatId && m.kind !== 'edit').length >= expect, 30_000);
    // Let replies that come in several messages arrive.
    let n = -1;
    for (let i = 0; i < 20 && n !== this.fake.sent.length; i++) {
      n = this.fake.sent.length;
      await new Promise((r) => setTimeout(r, 40));
    }
    return this.fake.sent.slice(since).filter((m) => m.chatId === chatId && m.kind !== 'edit');
  }

  static text(messages: SentMessage[]): string {
    return messages.map((m) => m.plainText ?? m.caption ?? '').join('\n---\n');
  }
}
