import { staff } from '../../core/access.ts';
import { join, type Markup } from '../../core/markup.ts';
import type { CommandDef, Feature } from '../../core/router.ts';
import { text } from '../../core/types.ts';
import { viewPeople } from '../access/people-view.ts';
import type { FeatureDeps } from '../deps.ts';
import { EXPIRED } from './notices.ts';

const SHOWN = 20;
const DAYS = 30;
/** Final notices are kept (without their text) this long, for /undelivered. */
const KEEP_MS = DAYS * 24 * 60 * 60 * 1000;

/**
 * The notice outbox as a feature: its worker runs with the others, and coordinators see what could not be
 * delivered (`/undelivered`): when, what, to whom, and why, so a lost role request or reminder is noticed.
 */
export function noticesFeature(deps: FeatureDeps): Feature {
  const { notices } = deps;
  let sweep: NodeJS.Timeout | undefined;

  const commands: CommandDef[] = [
    {
      name: 'undelivered',
      access: [staff],
      description: 'notices:commands.undelivered',
      async handle(ctx) {
        const { tr } = ctx;
        const rows = await notices.store.undelivered(new Date(ctx.now.getTime() - KEEP_MS), SHOWN);
        if (!rows.length) return [text(tr.t('notices:undelivered.none', { days: DAYS }))];
        const people = await viewPeople(deps.db, [...new Set(rows.flatMap((r) => (r.person_id ? [r.person_id] : [])))]);
        const lines: Markup[] = [tr.t('notices:undelivered.title', { count: rows.length, days: DAYS })];
        for (const r of rows) {
          const who = r.person_id ? (people.get(r.person_id)?.name ?? tr.plain('common:unknown')) : tr.plain('notices:undelivered.a_chat');
          // The platform's own wording of the error stays in the logs and the table: it is English, whatever the reader's language.
          const status = r.status === 'failed' && r.error?.endsWith(EXPIRED) ? 'expired' : r.status;
          lines.push(
            tr.t('notices:undelivered.line', {
              time: new Date(r.updated_at),
              what: tr.plain(`notices:kinds.${r.kind}`),
              who,
              platform: r.platform,
              status: tr.plain(`notices:status.${status}`),
            }),
          );
        }
        return [text(join(lines))];
      },
    },
  ];

  return {
    name: 'notices',
    commands,
    start() {
      notices.start();
      const prune = () => notices.store.sweep(new Date(deps.clock.now().getTime() - KEEP_MS)).catch((err) => deps.log.warn({ err }, 'notice sweep failed'));
      void prune();
      sweep = setInterval(prune, 60 * 60 * 1000);
      sweep.unref();
    },
    async stop() {
      if (sweep) clearInterval(sweep);
      await notices.stop();
    },
  };
}
