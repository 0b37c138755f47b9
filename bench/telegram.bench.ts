import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Bot, type Transformer } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { TelegramAdapter } from '../adapters/telegram/telegram-adapter.ts';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { tempDir } from '../test/helpers/harness.ts';
import type { BenchModule, BenchResult } from './run.ts';

export const title = 'telegram updates';

/**
 * Both bots get the same updates through `bot.handleUpdate(update)` (what webhook mode and long polling both end
 * in), and every Bot API call they make is answered inside the process by a grammY transformer that returns a
 * plausible result without any network. So the figures are the cost of the bot itself — grammY's middleware, our
 * adapter, the core, the features and SQLite (a real file, WAL) — and not of sockets or of a fake server sharing
 * the two cores. The baseline is a bare grammY bot answering "ok" to every update, through the same transformer.
 */
const BOT_INFO: UserFromGetMe = {
  id: 7000000001,
  is_bot: true,
  first_name: 'Roma network',
  username: 'roma_network_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

type Keyboard = Array<Array<{ text: string; callback_data?: string }>>;

/** Answers every Bot API call locally; remembers the keyboards sent per chat so the script can press buttons. */
class LocalApi {
  readonly keyboards = new Map<number, Array<{ messageId: number; rows: Keyboard }>>();
  calls = 0;
  private nextId = 1;

  transformer(record: boolean): Transformer {
    return (async (_prev: unknown, method: string, payload: Record<string, unknown>, signal?: AbortSignal) => {
      this.calls++;
      switch (method) {
        case 'getMe':
          return { ok: true, result: BOT_INFO };
        case 'getUpdates': {
          // Long polling idles until stopped: updates come in through handleUpdate instead.
          if (!payload.timeout) return { ok: true, result: [] };
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 1000 * Number(payload.timeout));
            signal?.addEventListener('abort', () => {
              clearTimeout(t);
              resolve();
            });
          });
          return { ok: true, result: [] };
        }
        case 'sendMessage':
        case 'sendDocument':
        case 'sendPhoto': {
          const chatId = Number(payload.chat_id);
          const messageId = this.nextId++;
          const markup = payload.reply_markup as { inline_keyboard?: Keyboard } | undefined;
          if (record && markup?.inline_keyboard) {
            const list = this.keyboards.get(chatId) ?? [];
            list.push({ messageId, rows: markup.inline_keyboard });
            this.keyboards.set(chatId, list);
          }
          return {
            ok: true,
            result: {
              message_id: messageId,
              date: Math.floor(Date.now() / 1000),
              chat: { id: chatId, type: 'private', first_name: 'User' },
              from: BOT_INFO,
              ...(method === 'sendMessage' ? { text: String(payload.text ?? '') } : { caption: String(payload.caption ?? '') }),
            },
          };
        }
        default:
          // answerCallbackQuery, editMessageReplyMarkup, editMessageText, setMyCommands, deleteWebhook …
          return { ok: true, result: true };
      }
    }) as unknown as Transformer;
  }
}

let updateId = 1;
const date = () => Math.floor(Date.now() / 1000);
function message(userId: number, text: string): Update {
  const from = { id: userId, is_bot: false, first_name: 'Ilze', last_name: 'Bērziņa', language_code: 'lv' };
  const entities = text.startsWith('/') ? [{ type: 'bot_command' as const, offset: 0, length: text.split(' ')[0]!.length }] : undefined;
  return { update_id: updateId++, message: { message_id: updateId, date: date(), chat: { id: userId, type: 'private', first_name: 'Ilze' }, from, text, ...(entities ? { entities } : {}) } } as Update;
}
function press(userId: number, messageId: number, data: string): Update {
  const from = { id: userId, is_bot: false, first_name: 'Ilze', language_code: 'lv' };
  return {
    update_id: updateId++,
    callback_query: {
      id: String(updateId),
      from,
      chat_instance: String(userId),
      data,
      message: { message_id: messageId, date: date(), chat: { id: userId, type: 'private', first_name: 'Ilze' }, from: BOT_INFO, text: '…' },
    },
  } as Update;
}

/**
 * What one person does, in order: register (a flow with buttons), help, the programme catalogue and one programme,
 * the eligibility questionnaire with three answers pressed, visits and an agenda, /cancel, free text that finds a
 * programme, chatter, and a stale button from the start. 15 updates.
 */
type Step = { text: string } | { press: 'latest' | 'stale'; label?: RegExp };
const SCRIPT: Step[] = [
  { text: '/start' },
  { press: 'latest' },
  { text: '/help' },
  { text: '/programmes' },
  { text: '/programme pumpurs' },
  { text: '/eligibility' },
  { press: 'latest' },
  { press: 'latest' },
  { press: 'latest', label: /Gatavs|Done|Готово/ },
  { text: '/visits' },
  { text: '/agenda 2021-05-27' },
  { text: '/cancel' },
  { text: 'pumpurs' },
  { text: 'labdien, kā iet?' },
  { press: 'stale' },
];

/** Builds the next update of a user's script from the keyboards our bot sent that user. */
function nextUpdate(api: LocalApi, userId: number, step: Step): Update {
  if ('text' in step) return message(userId, step.text);
  const list = api.keyboards.get(userId) ?? [];
  const kb = step.press === 'latest' ? list.at(-1) : list[0];
  const buttons = kb?.rows.flat().filter((b) => b.callback_data) ?? [];
  const button = (step.label ? buttons.find((b) => step.label!.test(b.text)) : undefined) ?? buttons[0];
  if (!kb || !button) return message(userId, '1'); // no keyboard: type the number instead
  return press(userId, kb.messageId, button.callback_data!);
}

interface Sample {
  updates: number;
  seconds: number;
  latencies: number[];
}

/**
 * Runs `users` scripts with `concurrency` users in flight (each user's updates one after another, as a person
 * waits for the answer). For our bot the updates are built as it goes (buttons it actually sent) and recorded;
 * the bare bot replays the recorded ones.
 */
async function drive(handle: (u: Update) => Promise<void>, scripts: Array<() => AsyncGenerator<Update>>, concurrency: number): Promise<Sample> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < scripts.length) {
      const script = scripts[next++]!;
      for await (const update of script()) {
        const s = performance.now();
        await handle(update);
        latencies.push(performance.now() - s);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { updates: latencies.length, seconds: (performance.now() - t0) / 1000, latencies };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const dir = tempDir('bench-telegram-');
  const app = await createApp({ config: loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}` }), floodLimit: false });
  const api = new LocalApi();
  const adapter = new TelegramAdapter({
    token: '7000000001:bench',
    log: silentLogger,
    menus: { commandMenu: (role, lng) => app.core.commandMenu(role, lng), privilegedAccounts: (p) => app.people.privilegedAccounts(p) },
  });
  adapter.bot.api.config.use(api.transformer(true));
  await app.start([adapter]);

  const bare = new Bot('7000000001:bench', { botInfo: BOT_INFO });
  bare.api.config.use(new LocalApi().transformer(false));
  bare.on(['message', 'callback_query'], (ctx) => ctx.reply('ok'));

  const usersPerRound = quick ? 10 : 40;
  const rounds = quick ? 2 : 10;
  let nextUser = 10_000_000;
  const results: BenchResult[] = [];

  for (const concurrency of [1, 8]) {
    const ours: Sample = { updates: 0, seconds: 0, latencies: [] };
    const base: Sample = { updates: 0, seconds: 0, latencies: [] };
    const add = (into: Sample, s: Sample) => {
      into.updates += s.updates;
      into.seconds += s.seconds;
      into.latencies.push(...s.latencies);
    };
    // Round 0 warms both bots up and is not counted. Rounds interleave the two bots, and the order alternates so
    // neither always runs first: our bot builds each user's updates as it goes (it presses the buttons it was
    // actually sent) and records them; the bare bot replays recorded updates (it answers "ok" whatever they are).
    let previous: Update[][] = [];
    for (let round = 0; round <= rounds; round++) {
      const recorded: Update[][] = [];
      const ourScripts = Array.from({ length: usersPerRound }, (_, i) => {
        const userId = nextUser++;
        const log: Update[] = (recorded[i] = []);
        return async function* () {
          for (const step of SCRIPT) {
            const u = nextUpdate(api, userId, step);
            log.push(u);
            yield u;
          }
        };
      });
      const replay = (updates: Update[][]) => updates.map((list) => async function* () {
        yield* list;
      });
      let o: Sample;
      let b: Sample;
      if (round % 2 === 1) {
        b = await drive((u) => bare.handleUpdate(u), replay(previous), concurrency);
        o = await drive((u) => adapter.bot.handleUpdate(u), ourScripts, concurrency);
      } else {
        o = await drive((u) => adapter.bot.handleUpdate(u), ourScripts, concurrency);
        b = await drive((u) => bare.handleUpdate(u), replay(recorded), concurrency);
      }
      previous = recorded;
      if (round > 0) {
        add(ours, o);
        add(base, b);
      }
    }
    const summary = (s: Sample) => {
      const sorted = [...s.latencies].sort((a, b) => a - b);
      return { perSecond: s.updates / s.seconds, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), n: s.updates };
    };
    const so = summary(ours);
    const sb = summary(base);
    const mode = concurrency === 1 ? 'one at a time (as long polling runs them)' : `${concurrency} users in flight (webhook mode)`;
    results.push({
      name: `our bot, realistic mix, ${mode}`,
      value: so.perSecond,
      unit: 'updates/s',
      details: { p50ms: so.p50, p99ms: so.p99, updates: so.n, ratioToBare: so.perSecond / sb.perSecond },
    });
    results.push({
      name: `bare grammY bot replying "ok", same updates, ${mode}`,
      value: sb.perSecond,
      unit: 'updates/s',
      details: { p50ms: sb.p50, p99ms: sb.p99, updates: sb.n },
    });
  }
  await app.stop();
  return results;
}

export default { title, run } satisfies BenchModule;
