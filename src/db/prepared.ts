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
    return on.executeQuery(this.bind(args) as CompiledQuery<InferResult<Q>[number]>);
  }

  async first(on: Executor<DB>, args: Record<K, string>): Promise<InferResult<Q>[number] | undefined> {
    return (await this.execute(on, args)).rows[0];
  }

  /** Rows an update, insert or delete changed. */
  async affected(on: Executor<DB>, args: Record<K, string>): Promise<number> {
    return Number((await this.execute(on, args)).numAffectedRows ?? 0n);
  }
}

/** `prepare(db, ['id'], (db, a) => db.selectFrom('t').selectAll().where('id', '=', a.id))`: see PreparedQuery. */
export function prepare<DB, K extends string, Q extends Compilable<any>>(db: Kysely<DB>, names: readonly K[], build: (db: Kysely<DB>, args: Record<K, string>) => Q): PreparedQuery<DB, K, Q> {
  return new PreparedQuery(db, names, build);
}
