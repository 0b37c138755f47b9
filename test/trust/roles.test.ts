import { afterEach, describe, expect, it } from 'vitest';
import { testApp, TestUser, TELEGRAM_CAPS, DISCORD_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp;
afterEach(async () => app?.stop());

async function setup(env: Record<string, string> = {}) {
  app = await testApp({ now: '2026-03-02T10:00:00Z', env });
  const telegram = new MemoryAdapter('telegram');
  app.messenger.register(telegram);
  const discord = new MemoryAdapter('discord', DISCORD_CAPS);
  app.messenger.register(discord);
  const coordinator = await new TestUser(app, { platform: 'telegram', id: 'c1', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
  const coordinator2 = await new TestUser(app, { platform: 'discord', id: 'c2', caps: DISCORD_CAPS }).as('coordinator', 'riga', 'lv');
  return { telegram, discord, coordinator, coordinator2 };
}

async function register(u: TestUser, role: 'Regional expert' | 'Roma mediator') {
  await u.send('/start');
  await u.press('English');
  await u.press(role);
  await u.press('Kurzeme');
  await u.press('Talsi Municipality');
  await u.press('Confirm');
}

const roleOf = async (key: string) =>
  (await app.database.db.selectFrom('identities').innerJoin('persons', 'persons.id', 'identities.person_id').select(['persons.role', 'persons.requested_role', 'persons.id']).where('key', '=', key).executeTakeFirstOrThrow());

describe('role requests and approvals', () => {
  it('tells every coordinator, in their language, with Approve / Reject; one press approves and the person is told', async () => {
    const { telegram, discord, coordinator, coordinator2 } = await setup();
    const newcomer = new TestUser(app, { platform: 'telegram', id: 'n1', caps: TELEGRAM_CAPS, username: 'anna_k' });
    await register(newcomer, 'Regional expert');
    expect((await roleOf('telegram:n1')).requested_role).toBe('expert');

    const toC1 = telegram.to('c1').at(-1)!;
    expect(toC1.text).toContain('New role request');
    expect(toC1.text).toContain('regional expert');
    expect(toC1.text).toContain('telegram @anna_k');
    expect(discord.to('c2').at(-1)!.text).toContain('Jauns lomas pieteikums');
    const approve = toC1.reply.kind === 'text' ? toC1.reply.choices!.flat().find((c) => c.label.includes('Approve'))! : undefined;
    expect(approve && 'action' in approve).toBe(true);

    // The button carries no authority: the newcomer pressing a copy of it is refused.
    await newcomer.action((approve as { action: string }).action);
    expect(newcomer.text()).toMatch(/only for coordinators/);
    expect((await roleOf('telegram:n1')).role).toBe('guest');

    await coordinator.action((approve as { action: string }).action);
    expect(coordinator.text()).toContain('Approved');
    const after = await roleOf('telegram:n1');
    expect(after.role).toBe('expert');
    expect(after.requested_role).toBeNull();
    expect(telegram.to('n1').at(-1)!.text).toContain('Your request has been approved');

    // The other coordinator's copy of the button, pressed later, changes nothing.
    const c2Reject = discord.to('c2').at(-1)!.reply;
    const reject = c2Reject.kind === 'text' ? c2Reject.choices!.flat().find((c) => c.label.includes('Noraidīt')) : undefined;
    await coordinator2.action((reject as { action: string }).action);
    expect(coordinator2.text()).toContain('jau ir izskatīts');
    expect((await roleOf('telegram:n1')).role).toBe('expert');

    const audit = await app.database.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['role.request', 'role.approve']);
    expect(audit[1]!.actor_role).toBe('coordinator');
    expect(audit[1]!.subject_id).toBe(after.id);
  });

  it('rejects a request and tells the person; forged data for a person without a request does nothing', async () => {
    const { telegram, coordinator } = await setup();
    const m = new TestUser(app, { platform: 'telegram', id: 'm1', caps: TELEGRAM_CAPS });
    await register(m, 'Roma mediator');
    const { id } = await roleOf('telegram:m1');
    await coordinator.action(`access:reject:${id}:mediator`);
    expect(coordinator.text()).toContain('Rejected');
    expect(telegram.to('m1').at(-1)!.text).toContain('was not approved');
    await coordinator.action(`access:approve:${id}:mediator`);
    expect(coordinator.text()).toContain('already been handled');
    await coordinator.action(`access:approve:${id}:coordinator`);
    expect((await roleOf('telegram:m1')).role).toBe('guest');
  });

  it('/roles lists requests and members; a coordinator moves members but cannot make coordinators', async () => {
    const { coordinator } = await setup();
    const e = await new TestUser(app, { platform: 'telegram', id: 'e1', caps: TELEGRAM_CAPS, username: 'eksperts' }).as('expert', 'talsi', 'lv');
    await e.send('/help');
    const g = new TestUser(app, { platform: 'telegram', id: 'g1', caps: TELEGRAM_CAPS });
    await register(g, 'Roma mediator');

    await coordinator.send('/roles');
    const all = coordinator.text();
    expect(all).toContain('Requests waiting for approval: 1');
    expect(all).toContain('Members: 3');
    expect(all).toContain('@eksperts — regional expert, Talsi Municipality');
    await coordinator.press('@eksperts');
    expect(coordinator.text()).toContain('Role: regional expert');
    expect(coordinator.choices().map((c) => c.label)).not.toContain('Make coordinator');
    await coordinator.press('Make Roma mediator');
    expect(coordinator.text()).toContain('is now Roma mediator');
    expect((await roleOf('telegram:e1')).role).toBe('mediator');

    const { id } = await roleOf('telegram:e1');
    await coordinator.action(`access:coord:${id}:on`);
    expect(coordinator.text()).toMatch(/only for administrators/);
    expect((await roleOf('telegram:e1')).role).toBe('mediator');

    // A coordinator's role is not another coordinator's to change.
    const { id: c2 } = await roleOf('discord:c2');
    await coordinator.action(`access:setrole:${c2}:guest`);
    expect(coordinator.text()).toContain('Nothing changed');
    expect((await roleOf('discord:c2')).role).toBe('coordinator');
  });

  it('admins (BOT_ADMINS) grant and revoke the coordinator role; the person is told; /audit shows it, for admins only', async () => {
    const { telegram, coordinator } = await setup({ BOT_ADMINS: 'telegram:900' });
    const admin = new TestUser(app, { platform: 'telegram', id: '900', caps: TELEGRAM_CAPS });
    await admin.send('/language en');
    const e = await new TestUser(app, { platform: 'telegram', id: 'e1', caps: TELEGRAM_CAPS, username: 'eksperts' }).as('expert', 'talsi', 'en');
    const { id } = await roleOf('telegram:e1');
    await admin.action(`access:member:${id}`);
    await admin.press('Make coordinator');
    expect(admin.text()).toContain('is now coordinator');
    expect(telegram.to('e1').at(-1)!.text).toContain('made you a coordinator');
    await e.send('/help');
    expect(e.text()).toContain('/announce');

    await admin.press('Remove coordinator role');
    expect((await roleOf('telegram:e1')).role).toBe('guest');
    expect(telegram.to('e1').at(-1)!.text).toContain('coordinator role has been removed');

    await coordinator.send('/audit');
    expect(coordinator.text()).toMatch(/only for administrators/);
    await admin.send('/audit 5');
    const log = admin.text();
    expect(log).toContain('Audit log');
    expect(log).toMatch(/telegram:900 \(administrator\) · removed a coordinator → @eksperts from=coordinator to=guest/);
    expect(log).toMatch(/telegram:900 \(administrator\) · made a coordinator → @eksperts/);
    // Newest first.
    expect(log.indexOf('removed a coordinator')).toBeLessThan(log.indexOf('made a coordinator'));
  });
});
