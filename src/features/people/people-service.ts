import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Role } from '../../core/access.ts';
import type { PersonDirectory } from '../../core/bot.ts';
import type { KnownIdentity } from '../../core/flows.ts';
import type { Person } from '../../core/context.ts';
import type { PersonalData } from '../../core/router.ts';
import { type Address, type IdentityKey, type Platform, type IdentityRef, identityKey, isUiLanguage, type Language, parseIdentityKey, type UiLanguage } from '../../core/types.ts';
import { atomically, prepare } from '../../db/prepared.ts';
import type { DB } from '../../db/schema.ts';
import type { DialectName } from '../../db/database.ts';
import type { PersonsTable } from './tables.ts';

// Username and display name change rarely; writing last_seen on every message would make every read a write.
const SEEN_RESOLUTION_MS = 60 * 60 * 1000;

export interface PeopleServiceOptions {
  /** Identities named admins by configuration (BOT_ADMINS). */
  admins: ReadonlySet<string>;
  /** The language for someone who has not chosen one, from the platform's hint. */
  languageFromHint: (hint: string | undefined | null) => Language;
  /** PostgreSQL writes a newcomer's person and account in one statement (one round trip instead of four). */
  dialect?: DialectName;
}

const NEWCOMER_TEXT = ['personId', 'now', 'key', 'platform'] as const;
const NEWCOMER_NULLABLE = ['username', 'displayName', 'languageHint'] as const;
type NewcomerArg = (typeof NEWCOMER_TEXT)[number] | (typeof NEWCOMER_NULLABLE)[number];

/** A newcomer's person row: a guest who has chosen nothing yet. */
function newcomer(a: { personId: string; now: string }): PersonsTable {
  return {
    id: a.personId,
    role: 'guest',
    requested_role: null,
    municipality: null,
    language: null,
    registered_at: null,
    preferred_platform: null,
    directory_optin: 0,
    created_at: a.now,
    updated_at: a.now,
  };
}

/** One row per person; each platform account is an identity linked to it. */
export class PeopleService implements PersonDirectory {
  /** Who is writing: asked on every update, so built and compiled once. */
  private readonly byIdentity;
  /** A newcomer's person and account: every first message, so built and compiled once too. */
  private readonly newPerson;
  private readonly newAccount;
  /** PostgreSQL: both in one statement (one round trip instead of four). */
  private readonly newPersonWithAccount;
  private readonly language;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: PeopleServiceOptions,
  ) {
    this.byIdentity = prepare(db, ['key'], (db, a) =>
      db
        .selectFrom('identities')
        .innerJoin('persons', 'persons.id', 'identities.person_id')
        .select(['persons.id', 'persons.role', 'persons.requested_role', 'persons.municipality', 'persons.language', 'persons.registered_at'])
        .select(['identities.username', 'identities.display_name', 'identities.language_hint', 'identities.last_seen_at'])
        .where('identities.key', '=', a.key),
    );
    const account = (a: Record<NewcomerArg, string>) => ({
      key: a.key,
      person_id: a.personId,
      platform: a.platform,
      username: a.username,
      display_name: a.displayName,
      language_hint: a.languageHint,
      created_at: a.now,
      last_seen_at: a.now,
    });
    this.newPerson = prepare(db, ['personId', 'now'], (db, a) => db.insertInto('persons').values(newcomer(a)));
    this.newAccount = prepare(db, NEWCOMER_TEXT, (db, a) => db.insertInto('identities').values(account(a)), NEWCOMER_NULLABLE);
    // The account's reference to the person is checked at the statement's end, when both rows are there.
    this.newPersonWithAccount = prepare(
      db,
      NEWCOMER_TEXT,
      (db, a) =>
        db
          .with('person', (db) => db.insertInto('persons').values(newcomer(a)))
          .insertInto('identities')
          .values(account(a)),
      NEWCOMER_NULLABLE,
    );
    this.language = prepare(db, ['personId', 'language', 'now'], (db, a) => db.updateTable('persons').set({ language: a.language as UiLanguage, updated_at: a.now }).where('id', '=', a.personId));
  }

  async resolve(identity: IdentityRef, now: Date, known?: KnownIdentity | null): Promise<Person> {
    const key = identityKey(identity.platform, identity.id);
    const found = known === undefined ? await this.byIdentity.first(this.db, { key }) : (known ?? undefined);

    if (found) {
      // What a platform did not send this time (a callback without a language, say) is kept as it was.
      const username = identity.username ?? found.username;
      const displayName = identity.displayName ?? found.display_name;
      const languageHint = identity.languageHint ?? found.language_hint;
      const changed = username !== found.username || displayName !== found.display_name || languageHint !== found.language_hint;
      if (changed || now.getTime() - Date.parse(found.last_seen_at) > SEEN_RESOLUTION_MS) {
        await this.db
          .updateTable('identities')
          .set({ username, display_name: displayName, language_hint: languageHint, last_seen_at: now.toISOString() })
          .where('key', '=', key)
          .execute();
      }
      // One person, several accounts: admin through any account named in BOT_ADMINS (a linked account included).
      const admin = this.options.admins.has(key) || (await this.hasAdminAccount(found.id));
      return this.toPerson(found, key, languageHint ?? undefined, admin);
    }

    const id = randomUUID();
    const args = {
      personId: id,
      now: now.toISOString(),
      key,
      platform: identity.platform,
      username: identity.username ?? null,
      displayName: identity.displayName ?? null,
      languageHint: identity.languageHint ?? null,
    };
    // Both rows or neither.
    if (this.options.dialect === 'postgres') await this.newPersonWithAccount.execute(this.db, args);
    else await atomically(this.db, [this.newPerson.with(args), this.newAccount.with(args)]);
    return this.toPerson(newcomer(args), key, identity.languageHint, this.options.admins.has(key));
  }

  /** Whether any of the person's accounts is named an admin by configuration. */
  private async hasAdminAccount(personId: string): Promise<boolean> {
    if (this.options.admins.size === 0) return false;
    const row = await this.db
      .selectFrom('identities')
      .select('key')
      .where('person_id', '=', personId)
      .where('key', 'in', [...this.options.admins])
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The person's effective role (admin through any account named in BOT_ADMINS); undefined if there is no such person. */
  async effectiveRole(personId: string): Promise<Role | undefined> {
    const row = await this.db.selectFrom('persons').select('role').where('id', '=', personId).executeTakeFirst();
    if (!row) return undefined;
    return (await this.hasAdminAccount(personId)) ? 'admin' : row.role;
  }

  /** Whether an account is named an admin by configuration (BOT_ADMINS). */
  isConfiguredAdmin(key: string): boolean {
    return this.options.admins.has(key);
  }

  private toPerson(
    row: Pick<PersonsTable, 'id' | 'role' | 'requested_role' | 'municipality' | 'language' | 'registered_at'>,
    key: IdentityKey,
    hint: string | undefined,
    admin: boolean,
  ): Person {
    return {
      id: row.id,
      role: admin ? 'admin' : row.role,
      requestedRole: row.requested_role,
      municipality: row.municipality,
      language: isUiLanguage(row.language) ? row.language : this.options.languageFromHint(hint),
      languageChosen: isUiLanguage(row.language),
      registered: row.registered_at !== null,
      identityKey: key,
    };
  }

  async setLanguage(personId: string, language: UiLanguage, now: Date): Promise<void> {
    await this.language.execute(this.db, { personId, language, now: now.toISOString() });
  }

  /**
   * Completes registration. A requested role is kept as a request: it takes effect only when a coordinator
   * approves it, so nobody grants themselves access by answering a question.
   */
  async register(personId: string, details: { municipality: string | null; requestedRole: Role | null }, now: Date): Promise<void> {
    await this.db
      .updateTable('persons')
      .set({
        municipality: details.municipality,
        requested_role: details.requestedRole,
        registered_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', personId)
      .execute();
  }

  /**
   * Makes an identity a registered person of the given role (the console's `--as ROLE`: the local operator owns the
   * database anyway). A guest is left as a newcomer.
   */
  async ensureLocalPerson(identity: IdentityRef, role: Role, now: Date): Promise<Person> {
    const person = await this.resolve(identity, now);
    if (role !== 'guest' && (person.role !== role || !person.registered)) {
      await this.db
        .updateTable('persons')
        .set({ role, requested_role: null, registered_at: now.toISOString(), updated_at: now.toISOString() })
        .where('id', '=', person.id)
        .execute();
      return this.resolve(identity, now);
    }
    return person;
  }

  /**
   * Where to reach a person directly: one private-chat address per linked platform account, the preferred platform
   * first (chosen after linking), then the most recently used. A private chat's id is the account's id on every
   * platform (adapters open the DM channel where needed).
   */
  async addressesOf(personId: string): Promise<Address[]> {
    const person = await this.db.selectFrom('persons').select('preferred_platform').where('id', '=', personId).executeTakeFirst();
    const rows = await this.db.selectFrom('identities').select(['key', 'platform', 'last_seen_at']).where('person_id', '=', personId).orderBy('last_seen_at', 'desc').execute();
    const preferred = person?.preferred_platform;
    if (preferred) rows.sort((a, b) => Number(b.platform === preferred) - Number(a.platform === preferred));
    return rows.flatMap((r) => {
      const parsed = parseIdentityKey(r.key);
      return parsed ? [{ platform: parsed.platform, chatId: parsed.id }] : [];
    });
  }

  /** The person's language as stored; when they never chose one, their platform's hint (Latvian without one). */
  async languageOf(personId: string): Promise<UiLanguage> {
    const row = await this.db.selectFrom('persons').select('language').where('id', '=', personId).executeTakeFirst();
    if (isUiLanguage(row?.language)) return row.language;
    const hint = await this.db
      .selectFrom('identities')
      .select('language_hint')
      .where('person_id', '=', personId)
      .where('language_hint', 'is not', null)
      .orderBy('last_seen_at', 'desc')
      .executeTakeFirst();
    return this.options.languageFromHint(hint?.language_hint);
  }

  /**
   * The person row and their accounts, for /mydata, /forget and linking. Merging moves `fromId`'s accounts to
   * `intoId` and deletes `fromId`; the joined person keeps the higher role, `intoId`'s language and municipality
   * where set (else `fromId`'s), the earlier registration and either's directory opt-in.
   */
  personalData(): PersonalData {
    return {
      export: async (personId, db) => {
        const person = await db.selectFrom('persons').selectAll().where('id', '=', personId).executeTakeFirst();
        const accounts = await db
          .selectFrom('identities')
          .select(['key', 'platform', 'username', 'display_name', 'language_hint', 'created_at', 'last_seen_at'])
          .where('person_id', '=', personId)
          .execute();
        return {
          person: person ? { ...person, directory_optin: person.directory_optin === 1 } : null,
          accounts,
        };
      },
      erase: async (personId, db) => {
        await db.deleteFrom('identities').where('person_id', '=', personId).execute();
        await db.deleteFrom('persons').where('id', '=', personId).execute();
      },
      merge: async (fromId, intoId, db) => {
        const from = await db.selectFrom('persons').selectAll().where('id', '=', fromId).executeTakeFirst();
        const into = await db.selectFrom('persons').selectAll().where('id', '=', intoId).executeTakeFirst();
        if (!from || !into) return;
        const rank = (r: Role) => ({ guest: 0, expert: 1, mediator: 1, coordinator: 2, admin: 3 })[r];
        const role = rank(from.role) > rank(into.role) ? from.role : into.role;
        const registered = [from.registered_at, into.registered_at].filter((x): x is string => x !== null).sort()[0] ?? null;
        await db.updateTable('identities').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
        await db
          .updateTable('persons')
          .set({
            role,
            requested_role: role === 'guest' ? (into.requested_role ?? from.requested_role) : null,
            municipality: into.municipality ?? from.municipality,
            language: into.language ?? from.language,
            registered_at: registered,
            preferred_platform: into.preferred_platform ?? from.preferred_platform,
            directory_optin: Math.max(from.directory_optin, into.directory_optin),
            updated_at: from.updated_at > into.updated_at ? from.updated_at : into.updated_at,
          })
          .where('id', '=', intoId)
          .execute();
        await db.deleteFrom('persons').where('id', '=', fromId).execute();
      },
    };
  }

  /** Accounts on a platform whose role is above guest (for per-person command menus), admins included. */
  async privilegedAccounts(platform: Platform): Promise<Array<{ id: string; role: Role; language: UiLanguage }>> {
    const rows = await this.db
      .selectFrom('identities')
      .innerJoin('persons', 'persons.id', 'identities.person_id')
      .select(['identities.key', 'persons.role', 'persons.language'])
      .where('identities.platform', '=', platform)
      .where((eb) => eb.or([eb('persons.role', '!=', 'guest'), eb('identities.key', 'in', [...this.options.admins, ''])]))
      .execute();
    return rows.map((r) => ({
      id: r.key.slice(platform.length + 1),
      role: this.options.admins.has(r.key) ? 'admin' : r.role,
      language: isUiLanguage(r.language) ? r.language : 'lv',
    }));
  }
}
