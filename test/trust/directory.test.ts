import { afterEach, describe, expect, it } from 'vitest';
import { DISCORD_CAPS, testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp;
afterEach(async () => app?.stop());

const raw = (u: TestUser) => u.last.map((r) => (r.kind === 'text' ? r.text : '')).join('\n');

describe('/contacts: the members’ directory', () => {
  it('lists only members who opted in, with role, municipality and how to reach them; only members see it', async () => {
    app = await testApp({ now: '2026-03-02T10:00:00Z' });
    const anna = await new TestUser(app, { platform: 'telegram', id: 't1', caps: TELEGRAM_CAPS, username: 'anna_tg' }).as('expert', 'talsi', 'en');
    const marko = await new TestUser(app, { platform: 'discord', id: 'd1', caps: DISCORD_CAPS, username: 'marko.r' }).as('mediator', 'riga', 'en');
    const quiet = await new TestUser(app, { platform: 'telegram', id: 't2', caps: TELEGRAM_CAPS, username: 'quiet_one' }).as('expert', 'talsi', 'en');
    const guest = new TestUser(app, { platform: 'telegram', id: 'g', caps: TELEGRAM_CAPS, languageHint: 'en' });

    await guest.send('/contacts');
    expect(guest.text()).toMatch(/only for approved members/);
    await guest.action('access:dir:on');
    expect(guest.text()).toMatch(/only for approved members/);

    await anna.send('/contacts');
    expect(anna.text()).toContain('Nobody has joined the directory yet');
    await anna.press('Show me in the directory');
    expect(anna.text()).toContain('members can now find you');
    await marko.send('/privacy');
    await marko.press('Show me in the directory');

    await quiet.send('/contacts');
    const list = quiet.text();
    expect(list).toContain('anna_tg — regional expert, Talsi Municipality');
    expect(list).toContain('Discord marko.r');
    expect(list).not.toContain('quiet_one');
    expect(raw(quiet)).toContain('<a href="https://t.me/anna_tg">@anna_tg</a>');
    expect(list).toContain('You are not in the directory');

    await quiet.send('/contacts Talsi');
    expect(quiet.text()).toContain('Contacts: Talsi Municipality');
    expect(quiet.text()).not.toContain('marko');
    await quiet.send('/contacts Kurzeme');
    expect(quiet.text()).toContain('anna_tg');
    expect(quiet.text()).not.toContain('marko');
    await quiet.send('/contacts Atlantīda');
    expect(quiet.text()).toContain('did not find');
    expect(quiet.text()).toContain('marko');

    await anna.send('/contacts');
    await anna.press('Remove me from the directory');
    await quiet.send('/contacts');
    expect(quiet.text()).not.toContain('anna_tg');
  });
});
