import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { FAST_LIMITS, NO_WAIT, openTestDatabase, testApp, TestUser, TELEGRAM_CAPS, DISCORD_CAPS } from '../helpers/harness.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('flood limit', () => {
  it('answers the 21st message within 10 seconds with one polite "slow down", ignores the rest, then lets the person go on', async () => {
    const t = await testApp({ now: '2026-03-02T10:00:00Z' });
    app = t;
    const u = await new TestUser(t, { platform: 'telegram', id: '5', caps: TELEGRAM_CAPS }).as('expert', 'talsi', 'en');
    for (let i = 0; i < 20; i++) {
      await u.send('/help');
      expect(u.text()).toContain('Commands you can use');
      t.clock.advance(100);
    }
    await u.send('/help');
    expect(u.text()).toBe('Please slow down a little: too many messages in a short time. You can go on in a moment.');
    // Said once per window: a flood costs one reply, not one per message.
    await u.action('cmd:run:help');
    expect(u.last).toEqual([]);
    await u.send('/help');
    expect(u.last).toEqual([]);
    // Another person is not affected.
    const other = new TestUser(t, { platform: 'discord', id: '6', caps: DISCORD_CAPS, languageHint: 'en' });
    await other.send('/help');
    expect(other.text()).toContain('Commands you can use');
    t.clock.advance(10_000);
    await u.send('/help');
    expect(u.text()).toContain('Commands you can use');
  });

  it('leaves the console (the local operator’s terminal) alone', async () => {
    const t = await testApp();
    app = t;
    const u = new TestUser(t, { languageHint: 'en' });
    for (let i = 0; i < 40; i++) await u.send('/help');
    expect(u.text()).toContain('Commands you can use');
  });
});

describe('logs', () => {
  it('carry no message texts at the default level (info)', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const log = pino({ level: 'info' }, sink);
    app = await createApp({
      config: loadConfig({ BOT_ADMINS: 'telegram:1' }),
      clock,
      log,
      database: await openTestDatabase(undefined),
      announcements: { limits: FAST_LIMITS, timer: NO_WAIT, progressIntervalMs: 0, background: false },
    });
    const SECRET = 'Zx9secretQq';
    const admin = new TestUser(app, { platform: 'telegram', id: '1', caps: TELEGRAM_CAPS, username: 'adm' });
    const guest = new TestUser(app, { platform: 'telegram', id: '2', caps: TELEGRAM_CAPS, languageHint: 'en' });
    await guest.send('/start');
    await guest.press('English');
    await guest.press('Regional expert');
    await guest.send(`${SECRET} novads`);
    await guest.send(`/programme ${SECRET}`);
    await guest.send(`/${SECRET.toLowerCase()}`);
    await guest.send(SECRET.repeat(500));
    await guest.send(`a ${SECRET} b`);
    await guest.deliver({ type: 'form', formId: 'ideas', values: { a: SECRET } });
    await guest.action(`access:approve:${SECRET}:expert`);
    await guest.send(`/link ${SECRET}`);
    await guest.send(`/start ${SECRET}`);
    await admin.send('/announce');
    await admin.send(`Announcement ${SECRET}`);
    await admin.send('/cancel');
    await admin.send('/reload');
    await admin.send(`/roles ${SECRET}`);
    await admin.send('/audit');
    await admin.send('/mydata');
    clock.advance(60_000);
    expect(lines.length).toBeGreaterThan(0); // the logger works: audit lines at least
    expect(lines.join('\n')).toContain('"audit":"catalogue.reload"');
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines.join('\n')).not.toContain(SECRET.toLowerCase());
  });
});
