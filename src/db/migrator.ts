import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely';
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
    const names = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{4}_[\w-]+\.ts$/.test(f))
      .map((f) => f.slice(0, -'.ts'.length))
      .sort();
    const out: Record<string, Migration> = {};
    for (const name of names) {
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

/**
 * Applies pending migrations. `schema` (PostgreSQL) keeps Kysely's bookkeeping tables in the bot's schema: without
 * it Kysely would find another schema's tables in the same database and think this one was migrated.
 */
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: new TsMigrationProvider(), ...(schema ? { migrationTableSchema: schema } : {}) });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '?'} failed: ${String(result.error)}`, { cause: result.error });
  }
  return result;
}
