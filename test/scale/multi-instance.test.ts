import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { esc } from '../../src/core/markup.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { AnnouncementStore } from '../../src/features/announcements/store.ts';
import { FakeTelegram } from '../fakes/telegram-bot-api.ts';
import { freePort } from '../helpers/telegram-driver.ts';
import { ON_POSTGRES, openTestDatabase, tempDir, testDatabaseUrl } from '../helpers/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const RECIPIENTS = 1000;
const COORDINATOR = 900_001;
const SECRET = 'multi-instance-secret';

/** A load balancer in front of the instances: round robin, skipping an instance that does not answer. */
async function loadBalancer(backends: number[]): Promise<{ server: Server; port: number; hits: number[] }> {
  const hits = backends.map(() => 0);
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (tries: number) => {
        const i = next++ % backends.length;
        const out = request({ host: '127.0.0.1', port: backends[i], path: req.url, method: req.method, headers: req.headers }, (r) => {
          hits[i]!++;
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        out.on('error', () => (tries > 1 ? attempt(tries - 1) : res.writeHead(502).end()));
        out.end(body);
      };
      attempt(backends.length);
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, port, hits };
}

function startInstance(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', () => undefined);
  return child;
}

const children: ChildProcess[] = [];
let fake: FakeTelegram | undefined;
let lb: Server | undefined;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  lb?.close();
  await fake?.stop();
});

describe.skipIf(!ON_POSTGRES)('several instances on one PostgreSQL (webhooks behind a load balancer)', () => {
  it('delivers a broadcast to 1,000 people exactly once, continues flows across instances, and survives losing one', { timeout: 240_000 }, async () => {
    const dir = tempDir();
    const url = testDatabaseUrl(dir);
    const database = await openTestDatabase(dir);
    await migrateToLatest(database.db, database.schema);
    const now = new Date().toISOString();
    const people = Array.from({ length: RECIPIENTS }, (_, i) => ({ id: `p${i + 1}`, telegram: String(i + 1) }));
    people.push({ id: 'coordinator', telegram: String(COORDINATOR) });
    for (let i = 0; i < people.length; i += 250) {
      const batch = people.slice(i, i + 250);
      await database.db
        .insertInto('persons')
        .values(batch.map((p) => ({ id: p.id, role: p.id === 'coordinator' ? 'coordinator' : 'expert', requested_role: null, municipality: 'talsi', language: 'en', registered_at: now, created_at: now, updated_at: now })) as never)
        .execute();
      await database.db
        .insertInto('identities')
        .values(batch.map((p) => ({ key: `telegram:${p.telegram}`, person_id: p.id, platform: 'telegram', username: null, display_name: null, language_hint: null, created_at: now, last_seen_at: now })))
        .execute();
    }
    // A "now" announcement waiting before either instance starts: both tick at start, one run must come of it.
    await new AnnouncementStore(database.db).create(
      { kind: 'general', text: esc('First broadcast'), audience: { target: { type: 'everyone' } }, schedule: { type: 'now' } },
      { personId: 'coordinator', report: { platform: 'telegram', chatId: String(COORDINATOR) }, language: 'en' },
      new Date(),
    );

    fake = await FakeTelegram.start({ botUsername: 'roma_network_bot' });
    const ports = [await freePort(), await freePort()];
    const balancer = await loadBalancer(ports);
    lb = balancer.server;
    for (const port of ports) {
      children.push(
        startInstance({
          DATABASE_URL: url,
          TELEGRAM_BOT_TOKEN: fake.token,
          TELEGRAM_API_ROOT: fake.apiRoot,
          TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${balancer.port}/telegram`,
          TELEGRAM_WEBHOOK_SECRET: SECRET,
          TELEGRAM_WEBHOOK_PORT: String(port),
          OUTBOX_LEASE_SECONDS: '5',
          PRIVACY_CONTROLLER: 'Kultūras ministrija',
          PRIVACY_CONTACT: 'pasts@km.gov.lv',
        }),
      );
    }

    const firsts = (text: string) => {
      const perChat = new Map<number, number>();
      for (const m of fake!.sent) if (m.kind === 'message' && m.chatId <= RECIPIENTS && m.plainText?.includes(text)) perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
      return perChat;
    };
    await fake.waitFor(() => firsts('First broadcast').size === RECIPIENTS, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    const first = firsts('First broadcast');
    expect([...first.values()].every((n) => n === 1)).toBe(true);
    const runs = await database.db.selectFrom('announcement_runs').select('id').execute();
    expect(runs).toHaveLength(1);

    await fake.waitForMessage(COORDINATOR, /Report/, { timeoutMs: 30_000 });
    expect(fake.messagesTo(COORDINATOR).filter((m) => m.plainText?.includes('Report'))).toHaveLength(1);

    // A coordinator composes the next one over the webhook: each message may land on either instance.
    const since = () => fake!.sent.length;
    const say = async (text: string) => {
      const s = since();
      fake!.userSays({ userId: COORDINATOR, text });
      await fake!.waitFor(() => fake!.sent.slice(s).some((m) => m.chatId === COORDINATOR && m.kind !== 'edit'), 20_000);
    };
    const press = async (label: string) => {
      // The answer to the previous step may come in several messages: wait for the one with this button.
      const msg = await fake!.waitFor(() => [...fake!.messagesTo(COORDINATOR)].reverse().find((m) => m.kind !== 'edit' && JSON.stringify(m.replyMarkup ?? {}).includes(label)), 20_000);
      const button = (msg.replyMarkup as { inline_keyboard: Array<Array<{ text: string }>> }).inline_keyboard.flat().find((b) => b.text.includes(label))!;
      const s = since();
      fake!.userPresses({ userId: COORDINATOR, message: msg, button: button.text });
      await fake!.waitFor(() => fake!.sent.slice(s).some((m) => m.chatId === COORDINATOR && m.kind !== 'edit'), 20_000);
    };
    await say('/announce');
    await say('Second broadcast');
    for (const label of ['General', 'Everyone', 'All platforms', 'Now', 'No file', 'Send now']) await press(label);
    expect(balancer.hits.every((h) => h > 0)).toBe(true); // both instances took part in the conversation

    // Kill one instance in the middle of the second broadcast; the other finishes it.
    await fake.waitFor(() => firsts('Second broadcast').size >= 300, 60_000);
    children[0]!.kill('SIGKILL');
    await fake.waitFor(() => firsts('Second broadcast').size === RECIPIENTS, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    const second = firsts('Second broadcast');
    const duplicates = [...second.values()].filter((n) => n > 1).length;
    expect(second.size).toBe(RECIPIENTS);
    expect(duplicates).toBeLessThanOrEqual(4); // at most the rows the killed worker had in flight
    const left = await database.db.selectFrom('outbox').select('id').where('status', 'in', ['pending', 'sending']).execute();
    expect(left).toHaveLength(0);
    await database.close();
  });
});
