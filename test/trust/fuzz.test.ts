/**
 * Fuzz: at least 10,000 random inputs through the whole core, as every role, on every platform's capabilities, in
 * private and group chats. Random Unicode (surrogates, right-to-left, zero-width, controls), very long strings,
 * random commands with random arguments, random and forged button data (real ids of other people's requests and
 * announcements, other people's buttons, stale flow nonces), form submissions, files, interleaved flows, bursts
 * that hit the flood limit, and now and then a legitimate invite or account link.
 *
 * After every input an oracle compares the privileged state (roles, announcements, deliveries, the catalogue,
 * privileged audit entries) before and after: a sender who was not staff may not have changed any of it (beyond
 * their own erasure, or what a code they legitimately received allows). At the end: no unhandled rejection, no
 * handler crash, the database passes its integrity and foreign-key checks, and every privileged audit entry was
 * made by someone with the right.
 *
 * Deterministic: a seeded PRNG decides everything (FUZZ_SEED, FUZZ_N to explore further); the clock is manual.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { type Role, STAFF_ROLES } from '../../src/core/access.ts';
import type { Capabilities, Payload, Platform } from '../../src/core/types.ts';
import { loadConfig } from '../../src/config.ts';
import type { CatalogueStore } from '../../src/features/programmes/catalogue.ts';
import { CONSOLE_CAPS, DISCORD_CAPS, FAST_LIMITS, NO_WAIT, ON_POSTGRES, openTestDatabase, TELEGRAM_CAPS, TestUser } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20260302);
const N = Number(process.env.FUZZ_N ?? 10_000);

/** mulberry32: small, fast, good enough to pick inputs, and the same on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

const RANGES: Array<[number, number]> = [
  [0x20, 0x7e], // ASCII
  [0x00, 0x1f], // C0 controls, NUL included
  [0x7f, 0x9f], // DEL and C1 controls
  [0xa0, 0x17f], // Latin-1 and Latin Extended-A (ā č ē ģ ī ķ ļ ņ š ū ž)
  [0x300, 0x36f], // combining marks
  [0x400, 0x4ff], // Cyrillic
  [0x590, 0x5ff], // Hebrew (RTL)
  [0x600, 0x6ff], // Arabic (RTL)
  [0x200b, 0x200f], // zero-width, LRM, RLM
  [0x202a, 0x202e], // bidi embeddings and overrides
  [0x2060, 0x2069], // word joiner, bidi isolates
  [0xd800, 0xdfff], // lone surrogates
  [0xfe00, 0xfe0f], // variation selectors
  [0xfeff, 0xfeff], // BOM
  [0xfff0, 0xffff], // specials, noncharacters
  [0x1f300, 0x1faff], // emoji
  [0x10ffff - 16, 0x10ffff], // the last code points
];

function randomText(r: Rng, length: number): string {
  let s = '';
  while (s.length < length) {
    const [lo, hi] = r.pick(RANGES);
    const cp = lo + r.int(hi - lo + 1);
    s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return s;
}

const FILLERS = ['', ' ', '1', '42', 'abc', '2021-05-27', '27.05.2021', 'Talsi', 'riga', 'pumpurs', 'on', 'off', 'en', 'ru', 'lv', 'visit', 'all', '-1', '0', '999999999999', "'; drop table persons; --", '%', '_', '\\', '"', '<b>x</b>', '&amp;', '${x}', '{{x}}', 'null', 'undefined', '__proto__', 'constructor'];

describe('fuzz: random input through the core cannot crash it or grant what it should not', () => {
  let app: App;
  const rejections: unknown[] = [];
  const onRejection = (err: unknown) => rejections.push(err);
  process.on('unhandledRejection', onRejection);
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await app?.stop();
  });

  it(`survives ${N} inputs (seed ${SEED})`, { timeout: 180_000 }, async () => {
    const r = prng(SEED);
    const errors: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        const line = String(chunk);
        if (line.includes('"level":50') || line.includes('"level":60')) errors.push(line.slice(0, 600));
        done();
      },
    });
    const clock = new ManualClock('2026-03-02T08:00:00Z');
    app = await createApp({
      config: loadConfig({ BOT_ADMINS: 'telegram:9000,discord:9001' }),
      clock,
      log: pino({ level: 'warn' }, sink),
      database: await openTestDatabase(undefined),
      announcements: { limits: FAST_LIMITS, timer: NO_WAIT, progressIntervalMs: 0, background: false },
    });
    app.messenger.register(new MemoryAdapter('telegram', TELEGRAM_CAPS));
    app.messenger.register(new MemoryAdapter('discord', DISCORD_CAPS));
    const db = app.database.db;

    // The fuzzing people: every role on every platform, private and (Telegram, Discord) group chats.
    const caps: Record<Platform, Capabilities> = { console: CONSOLE_CAPS, telegram: TELEGRAM_CAPS, discord: DISCORD_CAPS };
    const roles: Role[] = ['guest', 'expert', 'mediator', 'coordinator', 'admin'];
    const users: TestUser[] = [];
    let n = 100;
    for (const role of roles) {
      for (const platform of ['console', 'telegram', 'discord'] as const) {
        const id = role === 'admin' && platform !== 'console' ? (platform === 'telegram' ? '9000' : '9001') : String(n++);
        const u = new TestUser(app, { platform, id, caps: caps[platform], username: `${role}_${platform}`, languageHint: r.pick(['lv', 'en', 'ru', 'de']) });
        if (role !== 'guest' && !(role === 'admin' && platform !== 'console')) await u.as(role, r.pick(['talsi', 'riga', 'daugavpils', null]), r.pick(['lv', 'en', 'ru']));
        users.push(u);
        if (platform !== 'console') users.push(new TestUser(app, { platform, id, caps: caps[platform], chatId: `-100${id}`, chatKind: 'group', username: `${role}_${platform}` }));
      }
    }
    // People to be acted on: a pending request, members, a coordinator; a scheduled announcement; an open collection.
    const applicant = new TestUser(app, { platform: 'telegram', id: '7000', caps: TELEGRAM_CAPS });
    await applicant.send('/help');
    const applicantId = (await db.selectFrom('identities').select('person_id').where('key', '=', applicant.key).executeTakeFirstOrThrow()).person_id;
    await db.updateTable('persons').set({ requested_role: 'expert', registered_at: clock.now().toISOString() }).where('id', '=', applicantId).execute();
    await new TestUser(app, { platform: 'telegram', id: '7001', caps: TELEGRAM_CAPS }).as('expert', 'talsi');
    await new TestUser(app, { platform: 'discord', id: '7002', caps: DISCORD_CAPS }).as('mediator', 'riga');
    await new TestUser(app, { platform: 'telegram', id: '7003', caps: TELEGRAM_CAPS }).as('coordinator', 'riga');
    const coordinatorId = (await db.selectFrom('identities').select('person_id').where('key', '=', 'telegram:7003').executeTakeFirstOrThrow()).person_id;
    const scheduled = await app.announcements.store.create(
      { kind: 'general', text: 'Seeded' as never, audience: { target: { type: 'everyone' } }, schedule: { type: 'at', at: '2026-03-09T08:00:00.000Z' } },
      { personId: coordinatorId, report: { platform: 'telegram', chatId: '7003' }, language: 'en' },
      clock.now(),
    );
    await db.insertInto('idea_collections').values({ visit_id: '2021-05-27-online', status: 'open', opened_by: coordinatorId, opened_at: clock.now().toISOString(), closed_at: null }).execute();

    const programmes = app.registry.features.find((f) => f.name === 'programmes') as unknown as { store: CatalogueStore };
    const catalogueIds = programmes.store.current.programmes.map((p) => p.id).sort();
    const commands = [...app.registry.commands.keys()];
    const actionIds = [...app.registry.actions.keys()];
    const visits = ['2021-05-27-online', '2020-07-03-talsi', '2017-02-23-jelgava', 'nope', '../../etc/passwd'];

    const personIds = async () => (await db.selectFrom('persons').select('id').execute()).map((p) => p.id);
    const forged = async (): Promise<string> => {
      const ids = await personIds();
      const someone = r.pick(ids);
      const stranger = r.pick(users);
      const theirs = stranger.choices();
      const runs = (await db.selectFrom('announcement_runs').select('id').execute()).map((x) => x.id);
      const anns = [scheduled.id, ...(await db.selectFrom('announcements').select('id').limit(5).execute()).map((x) => x.id)];
      return r.pick([
        () => `access:approve:${someone}:${r.pick(['expert', 'mediator', 'coordinator', 'admin'])}`,
        () => `access:reject:${someone}:${r.pick(['expert', 'mediator'])}`,
        () => `access:setrole:${someone}:${r.pick(roles)}`,
        () => `access:coord:${someone}:${r.pick(['on', 'off', 'x'])}`,
        () => `access:member:${someone}`,
        () => `access:prefer:${r.pick(['telegram', 'discord', 'console', 'auto', 'x'])}`,
        () => `access:dir:${r.pick(['on', 'off'])}`,
        () => `ann:cancel:${r.pick(anns)}`,
        () => `ann:edit:${r.pick(anns)}`,
        () => `ann:stop:${r.pick([...runs, 'x'])}`,
        () => `sub:set:${r.pick(['all', 'visit', 'x'])}:${r.pick(['on', 'off'])}`,
        () => `visits:rsvp:${r.pick(visits)}:${r.pick(['going', 'maybe', 'no', 'x'])}`,
        () => `visits:rsvps:${r.pick(visits)}`,
        () => `visits:ics:${r.pick(visits)}`,
        () => `visits:reminders:${r.pick(['on', 'off'])}`,
        () => `cmd:run:${r.pick(commands)}${r.chance(0.5) ? `:${r.pick(FILLERS)}` : ''}`,
        () => `cmd:run:${r.pick(['announce', 'reload', 'ideas_export', 'forget', 'audit', 'roles', 'invite'])}`,
        () => `~${randomNonce()}:${r.pick(['confirm', 'yes', 'send', 'lang:en', 'role:expert', 'publish'])}`,
        () => (theirs.length ? r.pick(theirs).action : 'x:y'), // someone else's button, e.g. in a shared group
        () => `@${r.pick(['1', '2', 'a', 'zz', ''])}`,
        () => `${r.pick(actionIds)}:${r.pick(FILLERS)}:${r.pick(FILLERS)}`,
        () => `lang:set:${r.pick(['lv', 'en', 'ru', 'xx', ''])}`,
        () => `programmes:show:${r.pick(['ikvd-pumpurs', 'nope', ''])}`,
        () => randomText(r, 1 + r.int(80)),
        () => 'x'.repeat(r.int(5000)),
      ])();
    };
    const randomNonce = () => Array.from({ length: 6 }, () => r.pick([...'0123456789abcdef'])).join('');
    const bigFile = new Uint8Array(11 * 1024 * 1024);

    const payloadFor = async (u: TestUser): Promise<Payload> => {
      const roll = r.next();
      if (roll < 0.25) {
        const name = r.chance(0.9) ? r.pick(commands) : randomText(r, 1 + r.int(10)).replace(/\s/g, '');
        const args = r.chance(0.4) ? r.pick(FILLERS) : r.chance(0.5) ? randomText(r, r.int(40)) : '';
        return r.chance(0.5) ? { type: 'command', name, args } : { type: 'text', text: `/${name}${r.chance(0.1) ? '@roma_network_bot' : ''} ${args}` };
      }
      if (roll < 0.4) return { type: 'text', text: randomText(r, r.int(200)) };
      if (roll < 0.42) return { type: 'text', text: randomText(r, 5000 + r.int(15000)) };
      if (roll < 0.43) return { type: 'command', name: r.pick(commands), args: randomText(r, 4000 + r.int(6000)) };
      if (roll < 0.55) return { type: 'text', text: r.chance(0.7) ? String(1 + r.int(30)) : r.pick([...'abcdefghijklmnopqrstuvwxyz']) };
      if (roll < 0.7) {
        const mine = u.choices();
        return { type: 'action', data: mine.length ? r.pick(mine).action : await forged() };
      }
      if (roll < 0.87) return { type: 'action', data: await forged() };
      if (roll < 0.9) {
        const values: Record<string, string> = {};
        for (let i = 1 + r.int(6); i > 0; i--) values[r.chance(0.7) ? `idea${i}` : randomText(r, 5)] = r.chance(0.5) ? randomText(r, r.int(700)) : r.pick(FILLERS);
        return { type: 'form', formId: r.pick(['ideas', 'idea', 'x', '']), values };
      }
      if (roll < 0.95) {
        const size = r.pick([0, 10, 4096, 10 * 1024 * 1024 + 1, 50 * 1024 * 1024, r.int(20 * 1024 * 1024)]);
        const lie = r.chance(0.02);
        const data = lie ? bigFile : new Uint8Array(Math.min(size, 2048)).map(() => r.int(256));
        return {
          type: 'file',
          name: r.chance(0.8) ? r.pick(['agenda.txt', 'a.pdf', 'x.png', 'evil.exe', '../../x', '', 'ikvd-pumpurs.yaml', 'catalogue.zip']) : randomText(r, 300),
          mime: r.pick(['text/plain', 'application/pdf', 'image/png', 'application/x-msdownload', 'text/html', '', randomText(r, 20)]),
          size: lie ? 100 : size,
          read: async () => data,
        };
      }
      if (roll < 0.97) return { type: 'unsupported', what: r.pick(['sticker', 'voice', 'photo']) };
      return { type: 'text', text: `${r.pick(FILLERS)} ${randomText(r, r.int(30))}` };
    };

    // The oracle's view of privileged state.
    const snapshot = async () => ({
      roles: new Map((await db.selectFrom('persons').select(['id', 'role']).execute()).map((p) => [p.id, p.role])),
      announcements: JSON.stringify(await db.selectFrom('announcements').select(['id', 'status', 'next_run_at', 'text', 'audience']).orderBy('id').execute()),
      outbox: Number((await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0),
      catalogue: programmes.store.current,
      auditMax: Number((await db.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0),
    });
    const PRIVILEGED = ['role.approve', 'role.reject', 'role.set', 'coordinator.grant', 'coordinator.revoke', 'invite.create', 'announcement.create', 'announcement.update', 'announcement.cancel', 'announcement.stop', 'catalogue.reload', 'catalogue.publish', 'catalogue.restore', 'catalogue.check', 'ideas.export'];
    const violations: string[] = [];
    const roleOfSender = async (u: TestUser): Promise<{ id?: string; role: Role }> => {
      const row = await db.selectFrom('identities').select('person_id').where('key', '=', u.key).executeTakeFirst();
      if (!row) return { role: app.people.isConfiguredAdmin(u.key) ? 'admin' : 'guest' };
      return { id: row.person_id, role: (await app.people.effectiveRole(row.person_id)) ?? 'guest' };
    };

    const check = async (step: number, u: TestUser, sender: { id?: string; role: Role }, before: Awaited<ReturnType<typeof snapshot>>, what: string) => {
      const after = await snapshot();
      const fresh = await db.selectFrom('audit_log').selectAll().where('id', '>', before.auditMax).execute();
      const linked = fresh.some((a) => a.action === 'account.link' || a.action === 'invite.use');
      const staff = STAFF_ROLES.includes(sender.role);
      const fail = (why: string) => violations.push(`#${step} ${u.key} (${sender.role}) ${what.slice(0, 120)}: ${why}`);
      for (const a of fresh) {
        if (PRIVILEGED.includes(a.action) && !STAFF_ROLES.includes(a.actor_role as Role)) fail(`audit ${a.action} by ${a.actor_role}`);
        if (a.action.startsWith('coordinator.') && a.actor_role !== 'admin') fail(`audit ${a.action} by ${a.actor_role}`);
      }
      for (const [id, role] of before.roles) {
        const now = after.roles.get(id);
        if (now === role) continue;
        const own = id === sender.id;
        if (now === undefined) {
          if (!own && !linked) fail(`person ${id} vanished`);
          continue;
        }
        if (own && linked) continue;
        if (!staff) fail(`role of ${id} ${role} → ${now}`);
        else if (sender.role !== 'admin' && (['coordinator', 'admin'].includes(role) || ['coordinator', 'admin'].includes(now))) fail(`coordinator role of ${id} ${role} → ${now} by a coordinator`);
      }
      for (const [id, role] of after.roles) if (!before.roles.has(id) && role !== 'guest' && !linked) fail(`new person ${id} as ${role}`);
      if (!staff) {
        if (after.announcements !== before.announcements) fail('announcements changed');
        if (after.outbox !== before.outbox) fail('outbox changed');
        if (after.catalogue !== before.catalogue) fail('catalogue reloaded');
      }
    };

    const started = Date.now();
    let inputs = 0;
    let slowDowns = 0;
    for (let step = 0; inputs < N; step++) {
      const u = r.pick(users);
      // Now and then: a burst that hits the flood limit, a legitimate link or invite, the sweeps.
      if (r.chance(0.003)) {
        for (let i = 0; i < 25; i++) {
          const replies = await u.send('/help');
          inputs++;
          const only = replies.length === 1 ? replies[0] : undefined;
          if (only?.kind === 'text' && /slow|lēnāk|медленнее/i.test(only.text)) slowDowns++;
        }
        clock.advance(11_000);
        continue;
      }
      if (r.chance(0.004)) {
        const a = r.pick(users.filter((x) => x.platform !== 'console'));
        const b = r.pick(users.filter((x) => x.platform !== 'console' && x.platform !== a.platform));
        await a.send('/link');
        const code = /\b([A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(a.text())?.[1];
        inputs++;
        if (code) {
          const sender = await roleOfSender(b);
          const before = await snapshot();
          await b.send(`/link ${code}`);
          inputs++;
          await check(step, b, sender, before, 'legit /link');
        }
        continue;
      }
      if (r.chance(0.002)) {
        await Promise.all([app.core.sweep(), (app.registry.features.find((f) => f.name === 'access') as unknown as { sweep(): Promise<unknown> }).sweep()]);
      }
      const payload = await payloadFor(u);
      const sender = await roleOfSender(u);
      const before = await snapshot();
      try {
        await u.deliver(payload);
      } catch (err) {
        violations.push(`#${step} ${u.key}: core threw ${String(err)}`);
      }
      inputs++;
      await check(step, u, sender, before, JSON.stringify(payload.type === 'file' ? { ...payload, read: undefined } : payload));
      clock.advance(200 + r.int(800));
    }
    const elapsed = Date.now() - started;

    expect(violations).toEqual([]);
    expect(rejections).toEqual([]);
    expect(errors).toEqual([]); // no handler crashed ("handler failed" is logged at error level)
    expect(slowDowns).toBeGreaterThan(0);
    expect(inputs).toBeGreaterThanOrEqual(N);

    // Every privileged entry in the whole log was made by someone with the right.
    const audit = await db.selectFrom('audit_log').selectAll().execute();
    for (const a of audit.filter((x) => PRIVILEGED.includes(x.action))) expect(STAFF_ROLES, `${a.action} by ${a.actor_role}`).toContain(a.actor_role);
    for (const a of audit.filter((x) => x.action.startsWith('coordinator.'))) expect(a.actor_role).toBe('admin');
    for (const a of await db.selectFrom('announcements').select('created_by').execute()) {
      if (a.created_by === null) continue;
      const creatorAudit = audit.find((x) => x.action === 'announcement.create' && x.actor_id === a.created_by);
      expect(a.created_by === coordinatorId || creatorAudit !== undefined).toBe(true);
    }
    expect(programmes.store.current.programmes.map((p) => p.id).sort()).toEqual(catalogueIds);

    if (!ON_POSTGRES) {
      expect(app.database.sqlite!.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(app.database.sqlite!.pragma('foreign_key_check')).toEqual([]);
    } else {
      await sql`select 1`.execute(db);
    }
    console.log(`fuzz: ${inputs} inputs in ${elapsed} ms (seed ${SEED}); ${audit.length} audit entries; ${slowDowns} slow-downs`);
  });
});
