import type { Kysely } from 'kysely';

/**
 * The send budget shared by instances on one PostgreSQL: the next free slot (epoch milliseconds of the database's
 * clock) per platform (`telegram`) and per chat (`telegram:123`). Created on SQLite too, where one process paces
 * its own sends and the table stays empty.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_budget')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .execute();
}
