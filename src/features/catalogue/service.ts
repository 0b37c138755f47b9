import type { Logger } from 'pino';
import type { Ctx } from '../../core/context.ts';
import type { AuditAction, AuditLog } from '../access/audit.ts';
import { type CatalogueStore, formatError, RULE_TESTS_DIR } from '../programmes/catalogue.ts';
import type { VersionChange } from '../programmes/tables.ts';
import type { PublishResult, VersionStore } from '../programmes/versions.ts';
import { type DraftReport, evaluateDraft, loadShippedCases, type SourcedCase } from './draft.ts';
import type { DraftFile } from './intake.ts';

export interface Draft {
  programmes: DraftFile[];
  tests: DraftFile[];
}

export interface Publication {
  change: VersionChange;
  reason: string;
  restoredFrom?: number;
  checkedUrl?: string;
}

/** The audit entry each kind of change writes: restores and checks are named apart, everything else is a publication. */
const AUDIT: Record<VersionChange, AuditAction> = {
  initial: 'catalogue.publish',
  file: 'catalogue.publish',
  publish: 'catalogue.publish',
  end_date: 'catalogue.publish',
  close: 'catalogue.publish',
  restore: 'catalogue.restore',
  checked: 'catalogue.check',
};

/**
 * Checking and publishing catalogue changes: a draft is evaluated against the catalogue in use (after looking for
 * versions published elsewhere), and published only if nobody changed those programmes since the preview.
 */
export class CatalogueService {
  private cases: SourcedCase[] | undefined;

  constructor(
    readonly store: CatalogueStore,
    readonly versions: VersionStore,
    private readonly log: Logger,
    private readonly audit: AuditLog | undefined,
    private readonly testsDir = RULE_TESTS_DIR,
  ) {}

  /** The project's rule tests, read once (they ship with the code, like data/programmes). */
  shippedCases(): SourcedCase[] {
    if (!this.cases) {
      const r = loadShippedCases(this.testsDir);
      if (r.errors.length) this.log.warn({ errors: r.errors.map(formatError) }, 'some shipped rule tests cannot be read; they are left out of previews');
      this.cases = r.cases;
    }
    return this.cases;
  }

  /** Evaluates a draft against the newest catalogue, with the version numbers it was judged against. */
  async evaluate(draft: Draft): Promise<{ report: DraftReport; base: Record<string, number> }> {
    await this.store.sync();
    const report = evaluateDraft(draft, this.store.current, this.shippedCases());
    const base: Record<string, number> = {};
    for (const p of report.programmes) base[p.id] = await this.versions.newestVersion(p.id);
    return { report, base };
  }

  /** Publishes the changed programmes of an evaluated draft, with its audit entries in the same transaction. */
  async publish(ctx: Ctx, report: DraftReport, base: Record<string, number>, draft: Draft, what: Publication): Promise<PublishResult> {
    const items = report.programmes
      .filter((p) => p.kind !== 'same')
      .map((p) => {
        const b = base[p.id] ?? 0;
        const shipped = b === 0 ? this.store.shippedText(p.id) : undefined;
        return { programmeId: p.id, content: p.text, base: b, ...(shipped !== undefined ? { shipped } : {}) };
      });
    const tests = draft.tests.length ? JSON.stringify(draft.tests) : undefined;
    const result = await this.versions.publish(
      {
        items,
        change: what.change,
        reason: what.reason,
        ...(what.restoredFrom !== undefined ? { restoredFrom: what.restoredFrom } : {}),
        ...(what.checkedUrl ? { checkedUrl: what.checkedUrl } : {}),
        ...(tests ? { tests } : {}),
        by: ctx.person.id,
        role: ctx.person.role,
        at: ctx.now,
      },
      async (trx, published) => {
        for (const p of published) {
          const details: Record<string, unknown> = { programme: p.programmeId, version: p.version, change: what.change };
          if (what.restoredFrom !== undefined) details.from = what.restoredFrom;
          if (what.checkedUrl) details.url = what.checkedUrl;
          await this.audit?.byCtx(ctx, AUDIT[what.change], null, details, trx);
        }
      },
    );
    if (result.ok) {
      await this.store.sync();
      this.log.info({ published: result.published, change: what.change, by: ctx.person.id }, 'catalogue version published');
    }
    return result;
  }
}
