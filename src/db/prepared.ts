import type { Compilable, CompiledQuery, InferResult, Kysely, QueryResult, Transaction } from 'kysely';

type Executor<DB> = Kysely<DB> | Transaction<DB>;

const MARK = '\u0000arg:';

/**
 * A query of fixed shape, built and compiled by Kysely once and run many times with new arguments: building and
 * compiling it took longer per update than SQLite took to run it (issue 17). `build` gets a stand-in for each
 * named argument (a string only it makes) and must use each as a whole value (`.where('id', '=', args.id)`),
 * never inside another value or as an identifier: that is checked when it is first compiled. A query whose shape
 * depends on its arguments (`in` lists, optional clauses) cannot be prepared this way; build that one each time.
 */
export class PreparedQuery<DB, K extends string, Q extends Compilable<any>> {
  private compiled: { query: CompiledQuery; slots: Array<K | undefined> } | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly names: readonly K[],
    private readonly build: (db: Kysely<DB>, args: Record<K, string>) => Q,
  ) {}

  private compile(): { query: CompiledQuery; slots: Array<K | undefined> } {
    const byMark = new Map<string, K>(this.names.map((n) => [`${MARK}${n}\u0000`, n]));
    const query = this.build(this.db, Object.fromEntries([...byMark].map(([m, n]) => [n, m])) as Record<K, string>).compile();
    const slots = query.parameters.map((p) => (typeof p === 'string' ? byMark.get(p) : undefined));
    const misplaced = query.sql.includes(MARK) || query.parameters.some((p, i) => slots[i] === undefined && typeof p === 'string' && p.includes(MARK));
    if (misplaced || new Set(slots.filter((s) => s !== undefined)).size !== this.names.length) {
      throw new Error(`prepared query: every argument must be used, each as a whole value: ${query.sql}`);
    }
    return { query, slots };
  }

  private bind(args: Record<K, string>): CompiledQuery {
    this.compiled ??= this.compile();
    const { query, slots } = this.compiled;
    return { ...query, parameters: query.parameters.map((p, i) => (slots[i] === undefined ? p : args[slots[i]!])) };
  }

  /** Runs it on the database or inside a transaction (the compiled SQL does not depend on the connection). */
  execute(on: Executor<DB>, args: Record<K, string>): Promise<QueryResult<InferResult<Q>[number]>> {
    const query = this.bind(args) as CompiledQuery<InferResult<Q>[number]>;
    const sqlite = direct.get(on);
    return sqlite && !sqlite.inTransaction ? Promise.resolve(runOn(sqlite, query)) : on.executeQuery(query);
  }

  async first(on: Executor<DB>, args: Record<K, string>): Promise<InferResult<Q>[number] | undefined> {
    return (await this.execute(on, args)).rows[0];
  }

  /** Rows an update, insert or delete changed. */
  async affected(on: Executor<DB>, args: Record<K, string>): Promise<number> {
    return Number((await this.execute(on, args)).numAffectedRows ?? 0n);
  }
}

/**
 * SQLite handles whose prepared queries may skip Kysely's executor. better-sqlite3 runs a statement synchronously,
 * so nothing can come between its start and end; going through Kysely's connection lock, executor and result
 * plugins (none here) cost more per update than SQLite's own work for the update's read, and made a fifth of the
 * garbage. Only outside a transaction: inside one (`inTransaction`, a Kysely transaction awaiting between its
 * statements) the query waits for the connection as Kysely has it do, rather than joining someone else's work.
 */
interface DirectSqlite {
  readonly inTransaction: boolean;
  prepare(sql: string): { readonly reader: boolean; all(params: readonly unknown[]): unknown[]; run(params: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } };
}
const direct = new WeakMap<object, DirectSqlite>();

/** Lets prepared queries on `db` run straight on its SQLite handle (see `DirectSqlite`). */
export function runPreparedDirectly(db: Kysely<any>, sqlite: DirectSqlite): void {
  direct.set(db, sqlite);
}

/** What Kysely's SQLite driver returns for a statement, made the same way. */
function runOn<R>(sqlite: DirectSqlite, query: CompiledQuery<R>): QueryResult<R> {
  const stmt = sqlite.prepare(query.sql);
  if (stmt.reader) return { rows: stmt.all(query.parameters) as R[] };
  const { changes, lastInsertRowid } = stmt.run(query.parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** `prepare(db, ['id'], (db, a) => db.selectFrom('t').selectAll().where('id', '=', a.id))`: see PreparedQuery. */
export function prepare<DB, K extends string, Q extends Compilable<any>>(db: Kysely<DB>, names: readonly K[], build: (db: Kysely<DB>, args: Record<K, string>) => Q): PreparedQuery<DB, K, Q> {
  return new PreparedQuery(db, names, build);
}
