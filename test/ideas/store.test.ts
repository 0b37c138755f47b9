import { afterEach, describe, expect, it } from 'vitest';
import { IdeaStore, type SavedIdea } from '../../src/features/ideas/idea-store.ts';
import { testApp, TestUser } from '../helpers/harness.ts';
import { insertVisit } from './helpers.ts';

let app: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => app?.stop());

const five = (prefix: string): SavedIdea[] => [1, 2, 3, 4, 5].map((n) => ({ text: `${prefix} idea ${n}`, themes: ['education'], corrected: false }));

async function setup() {
  app = await testApp({ now: '2031-03-12T10:00:00Z' });
  await insertVisit(app, { id: 'v1', starts_on: '2031-03-12' });
  const expert = await new TestUser(app, { id: 'e' }).as('expert', 'talsi');
  const person = await app.people.resolve(expert.identity(), app.clock.now());
  return { store: new IdeaStore(app.database.db), personId: person.id, db: app.database.db };
}

describe('idea lists in the database', () => {
  it('keeps every version, one list per expert and visit, and refuses saving while collection is not open', async () => {
    const { store, personId } = await setup();
    expect(await store.save('v1', personId, 'talsi', five('a'), app!.clock.now())).toEqual({ ok: false, reason: 'not_open' });
    await store.open('v1', personId, app!.clock.now());
    const first = await store.save('v1', personId, 'talsi', five('a'), app!.clock.now());
    const second = await store.save('v1', personId, 'riga', five('b'), app!.clock.now());
    expect(first).toMatchObject({ ok: true, version: 1 });
    expect(second).toMatchObject({ ok: true, version: 2 });
    const current = (await store.currentList('v1', personId))!;
    expect(current.version).toBe(2);
    expect(current.municipality).toBe('talsi'); // where the author was when they first submitted
    expect(current.ideas.map((i) => i.text)).toEqual(five('b').map((i) => i.text));
    const versions = await store.versions(current.id);
    expect(versions.map((v) => [v.version, v.ideas[0]!.text])).toEqual([[1, 'a idea 1'], [2, 'b idea 1']]);
    expect(await store.close('v1', app!.clock.now())).toBe('closed');
    expect(await store.save('v1', personId, 'talsi', five('c'), app!.clock.now())).toEqual({ ok: false, reason: 'not_open' });
    expect(await store.close('v1', app!.clock.now())).toBe('already_closed');
    expect(await store.close('nope', app!.clock.now())).toBe('never_opened');
  });

  it('makes wrong states unrepresentable: status and closing time agree, positions 1–5, one list per person', async () => {
    const { store, personId, db } = await setup();
    await expect(db.insertInto('idea_collections').values({ visit_id: 'x', status: 'closed', opened_by: null, opened_at: 'now', closed_at: null }).execute()).rejects.toThrow(/CHECK|check constraint/i);
    await expect(db.insertInto('idea_collections').values({ visit_id: 'x', status: 'open', opened_by: null, opened_at: 'now', closed_at: 'now' }).execute()).rejects.toThrow(/CHECK|check constraint/i);
    // A list needs a collection.
    await expect(
      db.insertInto('idea_lists').values({ id: 'l0', visit_id: 'nowhere', person_id: personId, municipality: null, version: 1, submitted_at: 'x', updated_at: 'x' }).execute(),
    ).rejects.toThrow(/FOREIGN KEY|foreign key/i);
    await store.open('v1', personId, app!.clock.now());
    const saved = await store.save('v1', personId, 'talsi', five('a'), app!.clock.now());
    if (!saved.ok) throw new Error('not saved');
    await expect(
      db.insertInto('idea_lists').values({ id: 'l2', visit_id: 'v1', person_id: personId, municipality: null, version: 1, submitted_at: 'x', updated_at: 'x' }).execute(),
    ).rejects.toThrow(/UNIQUE|duplicate key/i);
    await expect(db.insertInto('ideas').values({ list_id: saved.listId, version: 1, position: 6, text: 'sixth', themes: '[]', themes_corrected: 0 }).execute()).rejects.toThrow(/CHECK|check constraint/i);
    await expect(db.insertInto('ideas').values({ list_id: saved.listId, version: 9, position: 1, text: 'no such version', themes: '[]', themes_corrected: 0 }).execute()).rejects.toThrow(/FOREIGN KEY|foreign key/i);
    await expect(db.insertInto('ideas').values({ list_id: saved.listId, version: 1, position: 1, text: 'again', themes: '[]', themes_corrected: 0 }).execute()).rejects.toThrow(/UNIQUE|PRIMARY|duplicate key/i);
    await expect(store.save('v1', personId, 'talsi', five('a').slice(0, 4), app!.clock.now())).rejects.toThrow(/5 ideas/);
    // Anonymous lists (authors who erased their data) do not clash with each other.
    await db.insertInto('idea_lists').values({ id: 'anon1', visit_id: 'v1', person_id: null, municipality: 'riga', version: 1, submitted_at: 'x', updated_at: 'x' }).execute();
    await db.insertInto('idea_lists').values({ id: 'anon2', visit_id: 'v1', person_id: null, municipality: 'riga', version: 1, submitted_at: 'x', updated_at: 'x' }).execute();
  });

  it('reopens a closed collection keeping its lists', async () => {
    const { store, personId } = await setup();
    expect(await store.open('v1', personId, app!.clock.now())).toBe('opened');
    expect(await store.open('v1', personId, app!.clock.now())).toBe('already_open');
    await store.save('v1', personId, 'talsi', five('a'), app!.clock.now());
    await store.close('v1', app!.clock.now());
    expect(await store.open('v1', personId, app!.clock.now())).toBe('reopened');
    expect((await store.currentList('v1', personId))?.version).toBe(1);
  });
});
