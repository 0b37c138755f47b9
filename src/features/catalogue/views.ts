import type { Kysely } from 'kysely';
import type { Ctx } from '../../core/context.ts';
import { esc, join, type Markup, markup } from '../../core/markup.ts';
import { commandAction } from '../../core/router.ts';
import { formatMoment } from '../../i18n/dates.ts';
import type { Choice } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';
import type { Translator } from '../../i18n/index.ts';
import { viewPeople } from '../access/people-view.ts';
import type { Programme } from '../programmes/catalogue.ts';
import { checkedLine, type Freshness, isStale, listOrder, loc } from '../programmes/render.ts';
import type { VersionRow } from '../programmes/versions.ts';
import type { CatalogueService } from './service.ts';

/** How many earlier versions a history offers to restore (the newest first). */
export const RESTORABLE = 6;

/** When a version was published, in the list style of the reader's language ("01.12.2026 09.30"). */
export function when(at: string, tr: Translator): string {
  return formatMoment(new Date(at), tr.ui, 'list');
}

/** "Anna (coordinator)", or "a coordinator (erased)" once they erased their data. */
async function publishers(db: Kysely<DB>, rows: readonly VersionRow[], tr: Translator): Promise<(row: VersionRow) => string> {
  const ids = [...new Set(rows.map((r) => r.published_by).filter((x): x is string => x !== null))];
  const people = await viewPeople(db, ids);
  return (row) => {
    const role = row.published_by_role ? tr.plain(`common:roles.${row.published_by_role}`) : '';
    if (!row.published_by) return role ? tr.plain('catalogue:history.erased', { role }) : tr.plain('catalogue:history.shipped_by');
    const name = people.get(row.published_by)?.name ?? tr.plain('access:audit.erased');
    return role ? `${name} (${role})` : name;
  };
}

function changeText(row: VersionRow, tr: Translator): string {
  return tr.plain(`catalogue:history.change.${row.change}`, { from: row.restored_from ?? '' });
}

function windowLine(p: Programme, tr: Translator): Markup {
  return tr.t('catalogue:preview.window', { from: p.valid.from ?? tr.plain('catalogue:preview.none'), until: p.valid.until ?? tr.plain('catalogue:preview.none') });
}

/** `/catalogue`: every programme with its version and the day it was checked, stale ones marked; a button for each. */
export function catalogueList(ctx: Ctx, service: CatalogueService, fresh: Freshness): { body: Markup; rows: Choice[][] } {
  const { tr } = ctx;
  const list = listOrder(service.store.current, tr.lng);
  const lines = list.map((p) => {
    const v = service.store.versionOf(p.id)?.version ?? 1;
    const stale = isStale(p, fresh) ? markup` · ${tr.t('programmes:list.stale')}` : markup``;
    return markup`• <b>${esc(loc(p.name, tr.lng))}</b> · v${v} · ${tr.t('catalogue:list.checked', { date: p.checked })}${stale}`;
  });
  const staleCount = list.filter((p) => isStale(p, fresh)).length;
  const paras: Markup[] = [tr.t('catalogue:list.title', { count: list.length, date: fresh.today }), join(lines)];
  if (staleCount) paras.push(tr.t('catalogue:list.stale_count', { count: staleCount, months: fresh.staleMonths }));
  if (service.store.startErrors.length) paras.push(tr.t('programmes:reload.start_errors', { count: service.store.startErrors.length }));
  paras.push(tr.t('catalogue:list.hint'));
  const rows: Choice[][] = [];
  for (let i = 0; i < list.length; i += 2) rows.push(list.slice(i, i + 2).map((p) => ({ label: loc(p.name, tr.lng), action: `catalogue:open:${p.id}` })));
  rows.push([{ label: tr.plain('catalogue:buttons.export'), action: commandAction('catalogue_export') }]);
  return { body: join(paras, '\n\n'), rows };
}

/** A programme's page for coordinators: its version and who made it, when it was checked, and what can be done. */
export async function programmePage(ctx: Ctx, service: CatalogueService, db: Kysely<DB>, p: Programme, fresh: Freshness): Promise<{ body: Markup; rows: Choice[][] }> {
  const { tr } = ctx;
  const v = service.store.versionOf(p.id) ?? { version: 1, from: 'file' as const };
  const lines: Markup[] = [markup`<b>${esc(loc(p.name, tr.lng))}</b> · <code>${esc(p.id)}</code>`];
  const row = v.from === 'database' ? await service.versions.get(p.id, v.version) : undefined;
  if (row) {
    const who = await publishers(db, [row], tr);
    const reason = row.reason ? tr.plain('catalogue:history.reason', { reason: row.reason }) : '';
    lines.push(tr.t('catalogue:page.version', { version: v.version, when: when(row.published_at, tr), who: who(row), what: changeText(row, tr), reason }));
  } else lines.push(tr.t('catalogue:page.version_file', { version: v.version }));
  lines.push(checkedLine(p, fresh, tr));
  lines.push(windowLine(p, tr));
  const rows: Choice[][] = [
    [
      { label: tr.plain('catalogue:buttons.end_date'), action: `catalogue:edit:${p.id}:end_date` },
      { label: tr.plain('catalogue:buttons.checked'), action: `catalogue:edit:${p.id}:checked` },
    ],
    [
      { label: tr.plain('catalogue:buttons.close'), action: `catalogue:edit:${p.id}:close` },
      { label: tr.plain('catalogue:buttons.history'), action: `catalogue:history:${p.id}` },
    ],
    [
      { label: tr.plain('catalogue:buttons.programme_page'), action: `programmes:show:${p.id}` },
      { label: tr.plain('catalogue:buttons.catalogue'), action: commandAction('catalogue') },
    ],
  ];
  return { body: join([...lines, '' as Markup, tr.t('catalogue:page.hint')]), rows };
}

/** A programme's versions, newest first, with who, when and why; earlier ones can be restored (after a preview). */
export async function historyView(ctx: Ctx, service: CatalogueService, db: Kysely<DB>, p: Programme): Promise<{ body: Markup; rows: Choice[][] }> {
  const { tr } = ctx;
  const rows = await service.versions.history(p.id);
  const current = service.store.versionOf(p.id)?.version ?? 1;
  const lines: Markup[] = [tr.t('catalogue:history.title', { name: loc(p.name, tr.lng) })];
  const who = await publishers(db, rows, tr);
  const inUse = (n: number) => (n === current ? ` ${tr.plain('catalogue:history.in_use')}` : '');
  for (const r of rows) {
    const reason = r.reason ? tr.plain('catalogue:history.reason', { reason: r.reason }) : '';
    const by = r.change === 'initial' || (r.change === 'file' && !r.published_by_role) ? tr.plain('catalogue:history.shipped_by') : who(r);
    lines.push(tr.t('catalogue:history.line', { version: r.version, when: when(r.published_at, tr), who: by, what: changeText(r, tr), reason, current: inUse(r.version) }));
  }
  if (!rows.length) lines.push(tr.t('catalogue:history.only_file', { current: inUse(1) }));
  const buttons: Choice[][] = [];
  const restorable = rows.filter((r) => r.version !== current).slice(0, RESTORABLE);
  for (let i = 0; i < restorable.length; i += 2) {
    buttons.push(restorable.slice(i, i + 2).map((r) => ({ label: tr.plain('catalogue:buttons.restore', { version: r.version }), action: `catalogue:restore:${p.id}:${r.version}` })));
  }
  buttons.push([{ label: tr.plain('catalogue:buttons.back', { name: loc(p.name, tr.lng) }), action: `catalogue:open:${p.id}` }]);
  return { body: join(lines), rows: buttons };
}
