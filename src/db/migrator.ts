import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Kysely, type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely';
import { COMPILED, ROOT } from '../data-dir.ts';

/** The migrations as TypeScript (tsx, vitest), or compiled next to the compiled bot (dist/migrations). */
export const MIGRATIONS_DIR = COMPILED ? join(ROOT, 'dist', 'migrations') : join(ROOT, 'migrations');

/**
 * Kysely's FileMigrationProvider imports bare paths, which TypeScript sources under tsx and vitest cannot use;
 * this one imports each `migrations/NNNN_name.ts` (or its compiled `.js`) by file URL. Migrations run in name
 * order, and are named without the extension either way.
 */
export class TsMigrationProvider implements MigrationProvider {
  constructor(private readonly dir = MIGRATIONS_DIR) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = readdirSync(this.dir)
      .filter((f) => /^\d{4}_[\w-]+\.(ts|js)$/.test(f))
      .sort();
    // A migration's module is loaded only when it runs: on a start with nothing to migrate (almost every start),
    // loading them all was a module load per migration for nothing.
    const out: Record<string, Migration> = {};
    for (const f of files) {
      const load = () => import(pathToFileURL(join(this.dir, f)).href) as Promise<Migration>;
      out[f.replace(/\.(ts|js)$/, '')] = {
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
