import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { DISCORD_CAPS, TELEGRAM_CAPS, tempDir, testApp, TestUser } from '../helpers/harness.ts';
import { FIVE_LV, insertVisit, numbered } from './helpers.ts';

let app: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => app?.stop());

const VISIT = '2031-03-12-valmiera';
const FIVE_EN = [
  'Invite a Roma mediator to the school',
  'Hire a Roma teacher assistant',
  'Meetings with parents about school',
  'Youth club for young Roma',
  'Apply for ESF funding',
];

async function setup(options: { dbFile?: string } = {}) {
  app = await testApp({ now: '2031-03-12T10:00:00Z', ...options });
  await insertVisit(app, { id: VISIT, starts_on: '2031-03-12', title: 'Valmiera visit', format: 'visit', place: 'Valmiera', municipality: 'valmiera' });
  const coordinator = await new TestUser(app, { id: 'coord' }).as('coordinator');
  const expert = await new TestUser(app, { id: 'anna', username: 'anna' }).as('expert', 'talsi');
  return { app, coordinator, expert };
}

async function open(coordinator: TestUser) {
  await coordinator.send('/ideas_open');
  expect(coordinator.text()).toContain('Idea collection is open for Valmiera visit, 12 March 2031');
}

async function savedList(a: App, person = 'console:anna') {
  const db = a.database.db;
  const identity = await db.selectFrom('identities').select('person_id').where('key', '=', person).executeTakeFirstOrThrow();
  const list = await db.selectFrom('idea_lists').selectAll().where('person_id', '=', identity.person_id).executeTakeFirst();
  if (!list) return undefined;
  const ideas = await db.selectFrom('ideas').selectAll().where('list_id', '=', list.id).orderBy('version').orderBy('position').execute();
  return { list, ideas, current: ideas.filter((i) => i.version === list.version) };
}

describe('/ideas: submitting five ideas', () => {
  it('needs an open collection: experts are told to wait, coordinators are offered to open it', async () => {
    const { coordinator, expert } = await setup();
    await expert.send('/ideas');
    expect(expert.text()).toContain('has not started yet');
    await coordinator.send('/ideas');
    expect(coordinator.text()).toContain('is not open. Open it now?');
    await coordinator.press('Open collection');
    expect(coordinator.text()).toContain('Idea collection is open');
  });

  it('takes one message with five numbered lines, shows a preview with theme tags, and saves on confirmation', async () => {
    const { coordinator, expert } = await setup();
    await open(coordinator);
    await expert.send('/ideas');
    expect(expert.text()).toContain('Send them in one message, one per line');
    await expert.send(numbered(FIVE_EN));
    const preview = expert.text();
    expect(preview).toContain('Check your five ideas');
    expect(preview).toContain('1. Invite a Roma mediator to the school\n🏷 Roma mediation · Education');
    expect(preview).toContain('2. Hire a Roma teacher assistant\n🏷 Education · Teacher assistant');
    expect(preview).toContain('5. Apply for ESF funding\n🏷 ESF & other support');
    expect(await savedList(app!)).toBeUndefined(); // nothing is saved before the expert confirms
    await expert.press('Save');
    expect(expert.text()).toContain('Saved: your five ideas for Valmiera visit, 12 March 2031 (version 1)');
    const saved = (await savedList(app!))!;
    expect(saved.list.municipality).toBe('talsi');
    expect(saved.current.map((i) => i.text)).toEqual(FIVE_EN);
    expect(JSON.parse(saved.current[0]!.themes)).toEqual(['mediation', 'education']);
    expect(saved.current.every((i) => i.themes_corrected === 0)).toBe(true);
  });

  it('answers too few ideas precisely and keeps them: the rest can follow in the next message', async () => {
    const { coordinator, expert } = await setup();
    await open(coordinator);
    await expert.send('/ideas');
    await expert.send(numbered(FIVE_EN.slice(0, 2)));
    expect(expert.text()).toContain('Got 2 ideas of five. Send the other 3');
    expect(expert.text()).toContain('1. Invite a Roma mediator to the school\n2. Hire a Roma teacher assistant');
    await expert.send(FIVE_EN[2]!);
    expect(expert.text()).toContain('Got 3 ideas of five. Send the other 2');
    await expert.send(FIVE_EN.slice(3).join('\n'));
    expect(expert.text()).toContain('Check your five ideas');
    for (const idea of FIVE_EN) expect(expert.text()).toContain(idea);
  });

  it('answers more than five precisely, shows them all, and can keep the first five', async () => {
    const { coordinator, expert } = await setup();
    await open(coordinator);
    await expert.send('/ideas');
    await expert.send(numbered([...FIVE_EN, 'A sixth idea', 'A seventh idea']));
    expect(expert.text()).toContain('That is 7 ideas; a list has exactly five');
    expect(expert.text()).toContain('7. A seventh idea');
    await expert.press('Keep the first five');
    expect(expert.text()).toContain('Check your five ideas');
    expect(expert.text()).not.toContain('A sixth idea');
  });

  it('names an empty, too short, too long or repeated idea, and asks for just that one again, keeping the rest', async () => {
    const { coordinator, expert } = await setup();
    await open(coordinator);
    await expert.send('/ideas');
    const long = `Long idea ${'x'.repeat(600)}`;
    await expert.send(`1. ${FIVE_EN[0]}\n2.\n3. ${long}\n4. ok\n5. invite a roma mediator to the school!`);
    const t = expert.text();
    expect(t).toContain('Idea 2 is empty.');
    expect(t).toContain('Idea 3 is too long: 610 characters, at most 500.');
    expect(t).toContain('Idea 4 is too short: 2 characters, at least 3 needed.');
    expect(t).toContain('Idea 5 repeats idea 1.');
    expect(t).toContain('Nothing is lost');
    expect(t).toContain('Send idea 2 again');
    await expert.send(FIVE_EN[1]!);
    expect(expert.text()).toContain('Idea 3 is too long');
    expect(expert.text()).toContain(`Now: ${long}`); // the text to shorten is shown
    await expert.send(FIVE_EN[2]!);
    expect(expert.text()).toContain('Idea 4 is too short');
    await expert.send('ok');
    expect(expert.text()).toContain('Idea 4 is too short: 2 characters'); // still wrong: asked again, nothing lost
    await expert.send(FIVE_EN[3]!);
    expect(expert.text()).toContain('Idea 5 repeats idea 1.');
    await expert.send(FIVE_EN[4]!);
    expect(expert.text()).toContain('Check your five ideas');
    for (const idea of FIVE_EN) expect(expert.text()).toContain(idea);
  });

  it('takes ideas one at a time, refusing a repeat of an earlier one', async () => {
    const { coordinator, expert } = await setup();
    await open(coordinator);
    await expert.send('/ideas');
    await expert.press('One at a time');
    expect(expert.text()).toContain('Idea 1 of 5');
    await expert.send(FIVE_EN[0]!);
    expect(expert.text()).toContain('Idea 2 of 5');
    await expert.send(FIVE_EN[1]!);
    await expert.send(FIVE_EN[0]!.toUpperCase());
    expect(expert.text()).toContain('Idea 3 repeats idea 1.');
    expect(expert.text()).toContain('Idea 3 of 5');
    for (const idea of FIVE_EN.slice(2)) await expert.send(idea);
    expect(expert.text()).toContain('Check your five ideas');
    await expert.press('Save');
    expect((await savedList(app!))!.current.map((i) => i.text)).toEqual(FIVE_EN);
  });

  it('lets the expert correct the themes with buttons, marking them as chosen by hand', async () => {
    const { coordinator, expert } = await setup();
    await open(coordinator);
    await expert.send('/ideas');
    await expert.send(numbered([...FIVE_EN.slice(0, 4), 'Buy a new printer']));
    expect(expert.text()).toContain('5. Buy a new printer\n🏷 no theme found: choose one with “Themes”');
    await expert.press('Themes');
    await expert.press('🏷 5');
    expect(expert.text()).toContain('No theme chosen.');
    expect(expert.choices().map((c) => c.label)).toContain('Motivation, support');
    await expert.press('Motivation, support');
    expect(expert.choices().map((c) => c.label)).toContain('✓ Motivation, support');
    await expert.press('Done');
    expect(expert.text()).toContain('5. Buy a new printer\n🏷 Motivation, support');
    await expert.press('Themes');
    await expert.press('🏷 1');
    await expert.press('✓ Education'); // remove a suggested theme
    await expert.press('Done');
    expect(expert.text()).toContain('1. Invite a Roma mediator to the school\n🏷 Roma mediation\n');
    await expert.press('Save');
    const saved = (await savedList(app!))!;
    expect(JSON.parse(saved.current[4]!.themes)).toEqual(['motivation-support']);
    expect(saved.current[4]!.themes_corrected).toBe(1);
    expect(JSON.parse(saved.current[0]!.themes)).toEqual(['mediation']);
    expect(saved.current[0]!.themes_corrected).toBe(1);
    expect(saved.current[1]!.themes_corrected).toBe(0);
  });

  it('shows the saved list again, edits one idea and keeps the earlier version', async () => {
    const { coordinator, expert } = await setup();
    await open(coordinator);
    await expert.send('/ideas');
    await expert.send(numbered(FIVE_EN));
    await expert.press('Save');
    app!.clock.advance(60 * 60 * 1000);
    await expert.send('/ideas');
    expect(expert.text()).toContain('Your five ideas · Valmiera visit, 12 March 2031\nVersion 1, saved 12 March 2031, 12:00.');
    expect(expert.choices().map((c) => c.label)).toContain('✓ Done');
    await expert.press('✎ 2');
    expect(expert.text()).toContain('Now: Hire a Roma teacher assistant');
    await expert.send('Invite a Roma mediator to the school'); // a repeat of idea 1
    expect(expert.text()).toContain('Idea 2 repeats idea 1.');
    await expert.send('Two Roma teacher assistants in grades 1 to 4');
    expect(expert.text()).toContain('Check your five ideas');
    await expert.press('Save');
    expect(expert.text()).toContain('(version 2)');
    const saved = (await savedList(app!))!;
    expect(saved.list.version).toBe(2);
    expect(saved.list.submitted_at).toBe('2031-03-12T10:00:00.000Z');
    expect(saved.list.updated_at).toBe('2031-03-12T11:00:00.000Z');
    expect(saved.current[1]!.text).toBe('Two Roma teacher assistants in grades 1 to 4');
    expect(saved.ideas.filter((i) => i.version === 1).map((i) => i.text)).toEqual(FIVE_EN); // earlier version kept
    expect(await app!.database.db.selectFrom('idea_lists').select('id').execute()).toHaveLength(1); // one list per expert
  });

  it('refuses changes after the coordinator closed collection, even from a preview already on screen', async () => {
    const { coordinator, expert } = await setup();
    await open(coordinator);
    await expert.send('/ideas');
    await expert.send(numbered(FIVE_EN));
    await expert.press('Save');
    await expert.send('/ideas');
    await expert.press('✎ 1');
    await expert.send('A changed first idea');
    await coordinator.send('/ideas_close');
    expect(coordinator.text()).toContain('Collection closed for Valmiera visit, 12 March 2031: 1 list received.');
    await expert.press('Save');
    expect(expert.text()).toContain('has been closed meanwhile, so the list was not saved');
    expect(expert.text()).toContain('1. A changed first idea'); // the text is shown back, not lost
    const saved = (await savedList(app!))!;
    expect(saved.list.version).toBe(1);
    expect(saved.current[0]!.text).toBe(FIVE_EN[0]);
    await expert.send('/ideas');
    expect(expert.text()).toContain('closed on 12 March 2031, 12:00. Lists can no longer be changed.');
    expect(expert.text()).toContain('1. Invite a Roma mediator to the school');
  });

  it('cancels without saving, and lets coordinators reopen collection', async () => {
    const { coordinator, expert } = await setup();
    await open(coordinator);
    await expert.send('/ideas');
    await expert.send(numbered(FIVE_EN));
    await expert.press('Cancel');
    expect(expert.text()).toContain('Cancelled; nothing was saved.');
    expect(await savedList(app!)).toBeUndefined();
    await coordinator.send('/ideas_close');
    await coordinator.send(`/ideas_open ${VISIT}`);
    expect(coordinator.text()).toContain('open again');
  });

  it('keeps the draft across a restart of the bot', async () => {
    const dbFile = join(tempDir(), 'bot.sqlite');
    const first = await setup({ dbFile });
    await open(first.coordinator);
    await first.expert.send('/ideas');
    await first.expert.send(numbered(FIVE_EN.slice(0, 3)));
    await app!.stop();
    app = await testApp({ now: '2031-03-12T10:05:00Z', dbFile });
    const expert = new TestUser(app, { id: 'anna', username: 'anna' });
    await expert.send(FIVE_EN.slice(3).join('\n'));
    expect(expert.text()).toContain('Check your five ideas');
    expect(expert.text()).toContain(FIVE_EN[0]);
  });

  it('works in Latvian, with a one-line numbered list as a terminal sends it', async () => {
    const { coordinator } = await setup();
    const expert = await new TestUser(app!, { id: 'liga' }).as('expert', 'daugavpils', 'lv');
    await open(coordinator);
    await expert.send('/ideas');
    expect(expert.text()).toContain('Nosūtiet tās vienā ziņā');
    await expert.send(FIVE_LV.map((t, i) => `${i + 1}. ${t}`).join(' '));
    expect(expert.text()).toContain('Pārbaudiet savas piecas idejas');
    expect(expert.text()).toContain('2. Skolotāja palīgs romu bērniem sākumskolā\n🏷 Izglītība · Skolotāja palīgs');
    await expert.press('Saglabāt');
    expect(expert.text()).toContain('Saglabāts');
  });

  it('keeps every button within Telegram’s 64 bytes', async () => {
    const { coordinator } = await setup();
    const expert = await new TestUser(app!, { platform: 'telegram', id: '777', caps: TELEGRAM_CAPS }).as('expert', 'talsi', 'ru');
    await open(coordinator);
    const seen: string[] = [];
    const collect = () => seen.push(...expert.choices().map((c) => c.action));
    await expert.send('/ideas');
    collect();
    await expert.send(numbered(FIVE_EN));
    collect();
    await expert.press('🏷 Темы');
    collect();
    await expert.press('🏷 3');
    collect();
    expect(expert.text()).toContain('Нажмите на тему');
    await expert.press('Молодёжь');
    collect();
    expect(seen.length).toBeGreaterThan(20);
    for (const a of seen) {
      expect(Buffer.byteLength(a), a).toBeLessThanOrEqual(64);
      expect(a.startsWith('@'), `${a} had to be shortened`).toBe(false);
    }
  });

  it('uses one native form with five fields on Discord, and keeps the values when one is wrong', async () => {
    const { coordinator } = await setup();
    const expert = await new TestUser(app!, { platform: 'discord', id: '555', caps: DISCORD_CAPS }).as('expert', 'jelgava');
    await open(coordinator);
    await expert.send('/ideas');
    const form = expert.last.find((r) => r.kind === 'form');
    expect(form?.kind).toBe('form');
    if (form?.kind !== 'form') return;
    expect(form.form.fields.map((f) => f.id)).toEqual(['idea1', 'idea2', 'idea3', 'idea4', 'idea5']);
    expect(form.form.fields.every((f) => f.minLength === 3 && f.maxLength === 500 && f.multiline)).toBe(true);
    expect(form.form.title.length).toBeLessThanOrEqual(45);
    const values = Object.fromEntries(FIVE_EN.map((t, i) => [`idea${i + 1}`, t]));
    await expert.form(form.form.id, { ...values, idea4: FIVE_EN[0]! });
    expect(expert.text()).toContain('Idea 4 repeats idea 1.');
    const again = expert.last.find((r) => r.kind === 'form');
    if (again?.kind !== 'form') throw new Error('no form again');
    expect(again.form.fields.map((f) => f.value)).toEqual([...FIVE_EN.slice(0, 3), FIVE_EN[0], FIVE_EN[4]]);
    await expert.form(again.form.id, values);
    expect(expert.text()).toContain('Check your five ideas');
    await expert.press('✎ 3');
    const one = expert.last.find((r) => r.kind === 'form');
    if (one?.kind !== 'form') throw new Error('no one-field form');
    expect(one.form.fields[0]!.value).toBe(FIVE_EN[2]);
    await expert.form(one.form.id, { idea: 'Parent evenings at the school' });
    expect(expert.text()).toContain('3. Parent evenings at the school');
    await expert.press('Save');
    expect(expert.text()).toContain('(version 1)');
  });

  it('lets experts, coordinators and admins submit, and nobody else', async () => {
    const { coordinator } = await setup();
    await open(coordinator);
    const mediator = await new TestUser(app!, { id: 'med' }).as('mediator');
    await mediator.send('/ideas');
    expect(mediator.text()).toContain('not available to you');
    const guest = new TestUser(app!, { id: 'guest' });
    await guest.send('/ideas');
    expect(guest.text()).not.toContain('five ideas');
    await coordinator.send('/ideas');
    expect(coordinator.text()).toContain('Send them in one message');
  });
});

describe('privacy', () => {
  it('takes lists and gives exports only in private chats, so a group never sees who wrote what', async () => {
    const { coordinator } = await setup();
    await open(coordinator);
    const inGroup = await new TestUser(app!, { platform: 'telegram', id: '9', chatId: '-100', chatKind: 'group', caps: TELEGRAM_CAPS }).as('expert');
    await inGroup.send('/ideas');
    expect(inGroup.text()).toContain('private');
    const coordinatorInGroup = await new TestUser(app!, { platform: 'telegram', id: '8', chatId: '-100', chatKind: 'group', caps: TELEGRAM_CAPS }).as('coordinator');
    await coordinatorInGroup.send('/ideas_export');
    expect(coordinatorInGroup.text()).toContain('private');
    expect(coordinatorInGroup.files()).toEqual([]);
  });
});
