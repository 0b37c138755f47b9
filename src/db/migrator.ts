import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MIGRATION_TABLE, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely';
import { ROOT } from '../data-dir.ts';

/** The migrations, `migrations/NNNN_name.ts`: applied in name order, and named without the extension. */
export const MIGRATIONS_DIR = join(ROOT, 'migrations');

/**
 * Kysely's FileMigrationProvider imports bare paths, which TypeScript sources under tsx and vitest cannot use. This
 * one imports each migration by a path relative to this file, which works the same in the TypeScript sources and
 * in the compiled bot: esbuild sees the pattern and compiles every file it can match into the bundle, where each
 * is still loaded only when it runs (on almost every start, none does).
 */
export class TsMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const name of migrationNames()) {
      const load = () => import(`../../migrations/${name}.ts`) as Promise<Migration>;
      out[name] = {
        up: async (db) => (await load()).up(db),
        // Kysely skips a migration without `down` when migrating down; so does this.
        down: async (db) => (await load()).down?.(db),
      };
    }
    return out;
  }
}

function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_[\w-]+\.ts$/.test(f))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

/**
 * Whether the database has run exactly the migrations there are: one read, where Kysely's migrator creates its
 * tables if missing, takes its lock and reads the schema's tables (a twentieth of a start, issue 17). Anything else
 * (a new migration, a database never migrated, one migrated by a newer version) goes to the migrator, which
 * applies or refuses as before.
 */
async function upToDate(db: Kysely<any>, schema?: string): Promise<boolean> {
  let applied: string[];
  try {
    const from = schema ? db.withSchema(schema) : db;
    applied = (await from.selectFrom(DEFAULT_MIGRATION_TABLE).select('name').execute()).map((r: { name: string }) => r.name);
  } catch {
    return false;
  }
  const names = migrationNames();
  return applied.length === names.length && applied.sort().every((name, i) => name === names[i]);
}

/**
 * Applies pending migrations. `schema` (PostgreSQL) keeps Kysely's bookkeeping tables in the bot's schema: without
 * it Kysely would find another schema's tables in the same database and think this one was migrated.
 */
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<MigrationResultSet> {
  if (await upToDate(db, schema)) return { results: [] };
  const migrator = new Migrator({ db, provider: new TsMigrationProvider(), ...(schema ? { migrationTableSchema: schema } : {}) });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '?'} failed: ${String(result.error)}`, { cause: result.error });
  }
  return result;
}
