import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('persons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('guest'))
    .addColumn('requested_role', 'text')
    .addColumn('municipality', 'text')
    .addColumn('language', 'text')
    .addColumn('registered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('identities')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('username', 'text')
    .addColumn('display_name', 'text')
    .addColumn('language_hint', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('identities_person').on('identities').column('person_id').execute();

  // A multi-step conversation of one person in one chat. Kept in the database so it survives restarts and can
  // continue on whichever instance receives the next message.
  await db.schema
    .createTable('conversations')
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('chat_key', 'text', (c) => c.notNull())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('conversations_pk', ['person_id', 'chat_key'])
    .execute();
  await db.schema.createIndex('conversations_expiry').on('conversations').column('expires_at').execute();

  // The choices last shown to a person in a chat, so a typed key ("2") picks one on any platform, after restarts.
  await db.schema
    .createTable('pending_choices')
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('chat_key', 'text', (c) => c.notNull())
    .addColumn('choices', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pending_choices_pk', ['person_id', 'chat_key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['pending_choices', 'conversations', 'identities', 'persons']) await db.schema.dropTable(t).execute();
}
