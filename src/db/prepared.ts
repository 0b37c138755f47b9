import { createHash } from 'node:crypto';
import type { Compilable, CompiledQuery, InferResult, Kysely, QueryResult, Transaction } from 'kysely';

type Executor<DB> = Kysely<DB> | Transaction<DB>;

/** A prepared query's arguments: text, or null where the query allows it. */
type Args<K extends string, N extends string> = Record<K, string> & Record<N, string | null>;

const MARK = '\u0000arg:';

/**
 * A query of fixed shape, built and compiled by Kysely once and run many times with new arguments: building and
 * compiling it took longer per update than SQLite took to run it (issue 17). `build` gets a stand-in for each
 * named argument (a string only it makes) and must use each as a whole value (`.where('id', '=', args.id)`),
 * never inside another value or as an identifier: that is checked when it is first compiled. A query whose shape
 * depends on its arguments (`in` lists, optional clauses) cannot be prepared this way; build that one each time.
 * Arguments named in `nullable` may be null when it runs: only for values written (`values`, `set`), since a
 * comparison with null in `where` is never true.
 */
export class PreparedQuery<DB, K extends string, Q extends Compilable<any>, N extends string = never> {
  private compiled: { query: CompiledQuery; slots: Array<K | N | undefined> } | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly names: readonly (K | N)[],
    private readonly build: (db: Kysely<DB>, args: Record<K | N, string>) => Q,
  ) {}

  private compile(): { query: CompiledQuery; slots: Array<K | N | undefined> } {
    const byMark = new Map<string, K | N>(this.names.map((n) => [`${MARK}${n}\u0000`, n]));
    const query = this.build(this.db, Object.fromEntries([...byMark].map(([m, n]) => [n, m])) as Record<K | N, string>).compile();
    const slots = query.parameters.map((p) => (typeof p === 'string' ? byMark.get(p) : undefined));
    const misplaced = query.sql.includes(MARK) || query.parameters.some((p, i) => slots[i] === undefined && typeof p === 'string' && p.includes(MARK));
    if (misplaced || new Set(slots.filter((s) => s !== undefined)).size !== this.names.length) {
      throw new Error(`prepared query: every argument must be used, each as a whole value: ${query.sql}`);
    }
    return { query, slots };
  }

  private bind(args: Args<K, N>): CompiledQuery {
    this.compiled ??= this.compile();
    const { query, slots } = this.compiled;
    const values = args as Record<K | N, string | null>;
    return { ...query, parameters: query.parameters.map((p, i) => (slots[i] === undefined ? p : values[slots[i]!])) };
  }

  /** Runs it on the database or inside a transaction (the compiled SQL does not depend on the connection). */
  execute(on: Executor<DB>, args: Args<K, N>): Promise<QueryResult<InferResult<Q>[number]>> {
    const query = this.bind(args) as CompiledQuery<InferResult<Q>[number]>;
    const runner = direct.get(on);
    return (runner?.(query, this.statementName(query.sql), () => on.executeQuery(query)) ?? on.executeQuery(query)) as Promise<QueryResult<InferResult<Q>[number]>>;
  }

  /** The query with these arguments, to run with others by `atomically`. */
  with(args: Args<K, N>): CompiledQuery {
    return this.bind(args);
  }

  private name: string | undefined;
  /** A name for the server to keep the statement under (PostgreSQL), the same for the same SQL in every process. */
  private statementName(sql: string): string {
    return (this.name ??= `k${createHash('sha256').update(sql).digest('base64url').slice(0, 24)}`);
  }

  async first(on: Executor<DB>, args: Args<K, N>): Promise<InferResult<Q>[number] | undefined> {
    return (await this.execute(on, args)).rows[0];
  }

  /** Rows an update, insert or delete changed. */
  async affected(on: Executor<DB>, args: Args<K, N>): Promise<number> {
    return Number((await this.execute(on, args)).numAffectedRows ?? 0n);
  }
}

/**
 * Runs a prepared query without Kysely's executor, or returns undefined to have Kysely run it. `viaKysely` runs it
 * the ordinary way (for a fallback after an error the direct way cannot recover from).
 */
export type DirectRunner = (query: CompiledQuery, name: string, viaKysely: () => Promise<QueryResult<unknown>>) => Promise<QueryResult<unknown>> | undefined;
const direct = new WeakMap<object, DirectRunner>();
/** Runs writes together without Kysely's executor, or returns undefined to have a Kysely transaction run them. */
export type BatchRunner = (writes: readonly CompiledQuery[]) => Promise<void> | undefined;
const batches = new WeakMap<object, BatchRunner>();

/** Lets prepared queries on `db` (not on its transactions, which are other objects) run through `runner`. */
export function runPreparedDirectly(db: Kysely<any>, runner: DirectRunner, batch?: BatchRunner): void {
  direct.set(db, runner);
  if (batch) batches.set(db, batch);
}

interface SqliteHandle {
  readonly inTransaction: boolean;
  prepare(sql: string): { readonly reader: boolean; all(params: readonly unknown[]): unknown[]; run(params: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } };
}

/**
 * SQLite: better-sqlite3 runs a statement synchronously, so nothing can come between its start and end; going
 * through Kysely's connection lock, executor and result plugins (none here) cost more per update than SQLite's own
 * work for the update's read, and made a fifth of the garbage. Only outside a transaction: inside one
 * (`inTransaction`, a Kysely transaction awaiting between its statements) the query waits for the connection as
 * Kysely has it do, rather than joining someone else's work. Results are made as Kysely's SQLite driver makes them.
 */
export function sqliteRunner(sqlite: SqliteHandle): DirectRunner {
  return (query) => {
    if (sqlite.inTransaction) return undefined;
    const stmt = sqlite.prepare(query.sql);
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(query.parameters) });
    const { changes, lastInsertRowid } = stmt.run(query.parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
  };
}

/** SQLite: `atomically`'s writes in a transaction of their own, all in this tick; see `sqliteRunner`. */
export function sqliteBatchRunner(sqlite: SqliteHandle): BatchRunner {
  return (writes) => {
    if (sqlite.inTransaction) return undefined;
    sqlite.prepare('begin').run([]);
    try {
      for (const w of writes) sqlite.prepare(w.sql).run(w.parameters);
      sqlite.prepare('commit').run([]);
    } catch (err) {
      if (sqlite.inTransaction) sqlite.prepare('rollback').run([]);
      return Promise.reject(err);
    }
    return Promise.resolve();
  };
}

interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ command: string; rowCount: number | null; rows: unknown[] }>;
}

/**
 * PostgreSQL: the queries every update runs become named prepared statements, parsed and planned once per
 * connection instead of on every call (what the fair anchor does, and what the server's share of two cores needs).
 * A statement prepared before another instance changed a table's columns fails once with "cached plan must not
 * change result type" (0A000); that query then runs the ordinary way. Results are made as Kysely's driver makes them.
 */
export function postgresRunner(pool: PgPool): DirectRunner {
  // A statement whose plan went stale is prepared again under a new name: connections keep the old one for good.
  const renamed = new Map<string, number>();
  return (query, name, viaKysely) => {
    const generation = renamed.get(name);
    return pool.query({ name: generation ? `${name}_${generation}` : name, text: query.sql, values: [...query.parameters] }).then(
      ({ command, rowCount, rows }) => ({
        numAffectedRows: command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(rowCount ?? 0) : undefined,
        rows: rows ?? [],
      }),
      (err: { code?: string }) => {
        if (err?.code !== '0A000') return Promise.reject(err);
        renamed.set(name, (generation ?? 0) + 1);
        return viaKysely();
      },
    );
  };
}

/**
 * `prepare(db, ['id'], (db, a) => db.selectFrom('t').selectAll().where('id', '=', a.id))`: see PreparedQuery. The
 * names in `nullable` take null as well as text.
 */
export function prepare<DB, K extends string, Q extends Compilable<any>, N extends string = never>(
  db: Kysely<DB>,
  names: readonly K[],
  build: (db: Kysely<DB>, args: Record<K | N, string>) => Q,
  nullable: readonly N[] = [],
): PreparedQuery<DB, K, Q, N> {
  return new PreparedQuery<DB, K, Q, N>(db, [...names, ...nullable], build);
}

/**
 * Runs prepared writes (`query.with(args)`) so that all or none take effect. On SQLite outside a transaction they
 * run at once in one of their own: better-sqlite3 is synchronous, so nothing else can come between them, and
 * Kysely's transaction (its connection lock, a promise per statement, BEGIN and COMMIT through its executor) cost
 * more than the writes (issue 17: a newcomer's person and account). Inside a transaction, as part of it; anywhere
 * else, in a Kysely transaction.
 */
export async function atomically<DB>(db: Executor<DB>, writes: readonly CompiledQuery[]): Promise<void> {
  if (db.isTransaction) {
    for (const w of writes) await db.executeQuery(w);
    return;
  }
  const done = batches.get(db)?.(writes);
  if (done) return done;
  await db.transaction().execute(async (trx) => {
    for (const w of writes) await trx.executeQuery(w);
  });
}
