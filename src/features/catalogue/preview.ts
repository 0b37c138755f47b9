import { esc, join, type Markup, markup } from '../../core/markup.ts';
import type { Translator } from '../../i18n/index.ts';
import type { LeafNode, Programme } from '../programmes/catalogue.ts';
import { paramsOn } from '../programmes/engine.ts';
import { formatDay } from '../../i18n/dates.ts';
import { datedWhen, funderBadge, loc, paramText } from '../programmes/render.ts';
import { sourceTitle } from '../programmes/sources.ts';
import type { ProgrammeDiff } from './diff.ts';
import type { AnswerChange, DraftProgramme, DraftReport } from './draft.ts';

const MAX_ANSWERS = 20;
const MAX_LEAVES = 8;
const EXCERPT = 220;

export interface PreviewContext {
  tr: Translator;
  today: string;
  /** The version number now in use (1 for a shipped file nobody changed; 0 for a programme not in the catalogue). */
  versionOf(id: string): number;
}

function excerpt(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT - 1)}…` : flat;
}

function dayOr(d: string | undefined, tr: Translator): string {
  return d ? formatDay(d, tr.ui) : tr.plain('catalogue:preview.none');
}

function status(s: string | undefined, tr: Translator): string {
  return s ? tr.plain(`programmes:validation.status.${s}`) : tr.plain('catalogue:preview.not_in_catalogue');
}

function leafText(n: LeafNode, p: Programme, today: string, tr: Translator): string {
  return loc(n.label, tr.lng, paramsOn(p, today));
}

function diffLines(d: DraftProgramme & { diff: ProgrammeDiff; before: Programme }, ctx: PreviewContext): Markup[] {
  const { tr, today } = ctx;
  const diff = d.diff;
  const lines: Markup[] = [];
  for (const x of diff.dates) {
    const show = (v: string | undefined) => (x.field === 'after' ? tr.plain(`catalogue:preview.after_${v ?? 'closed'}`) : dayOr(v, tr));
    lines.push(tr.t('catalogue:preview.date', { what: tr.plain(`catalogue:preview.date_${x.field}`), before: show(x.before), after: show(x.after) }));
  }
  const { removed, added, structure } = diff.conditions;
  if (removed.length || added.length) {
    const items = [
      ...removed.slice(0, MAX_LEAVES).map((n) => `➖ ${leafText(n, d.before, today, tr)}`),
      ...added.slice(0, MAX_LEAVES).map((n) => `➕ ${leafText(n, d.programme, today, tr)}`),
    ];
    lines.push(tr.t('catalogue:preview.conditions', { list: items.join('; ') }));
  } else if (structure) lines.push(tr.t('catalogue:preview.conditions_structure'));
  for (const n of diff.parameters) {
    lines.push(tr.t('catalogue:preview.parameter', { before: datedValues(d.before, n, tr), after: datedValues(d.programme, n, tr) }));
  }
  for (const t of diff.texts) {
    const what = tr.plain(`catalogue:field.${t.field}`);
    const langs = t.languages.join(', ');
    lines.push(
      t.after
        ? tr.t('catalogue:preview.text', { what, langs, text: excerpt(loc(t.after, tr.lng, paramsOn(d.programme, today))) })
        : tr.t('catalogue:preview.text_removed', { what }),
    );
  }
  if (diff.remarks) lines.push(tr.t('catalogue:preview.remarks'));
  if (diff.sources.added.length || diff.sources.removed) {
    const titles = diff.sources.added.slice(0, 3).map((s) => sourceTitle(s, tr.lng));
    lines.push(tr.t('catalogue:preview.sources', { added: diff.sources.added.length, removed: diff.sources.removed, titles: titles.length ? ` (${titles.join('; ')})` : '' }));
  }
  if (diff.applicant) {
    const who = (l: string[]) => l.map((a) => tr.plain(`programmes:applicant.${a}`)).join(', ');
    lines.push(tr.t('catalogue:preview.applicant', { before: who(diff.applicant.before), after: who(diff.applicant.after) }));
  }
  if (diff.funderKind) {
    const kind = (k: string) => tr.plain(`programmes:funder.${k === 'eu_other' ? 'eu_programme' : k}`);
    lines.push(tr.t('catalogue:preview.funder', { before: kind(diff.funderKind.before), after: kind(diff.funderKind.after) }));
  }
  if (diff.aliases) lines.push(tr.t('catalogue:preview.aliases'));
  if (diff.layout) lines.push(tr.t('catalogue:preview.layout'));
  return lines;
}

/** A parameter's dated values in words: "from grade 5 (until 31.08.2021), from grade 1 (from 01.09.2021)". */
function datedValues(p: Programme, name: string, tr: Translator): string {
  const list = p.parameters[name];
  if (!list?.length) return tr.plain('catalogue:preview.none');
  return list
    .map((d) => {
      const when = datedWhen(d, tr);
      return `${paramText(p, name, d.value, tr.lng)}${when ? ` ${when}` : ''}`;
    })
    .join(', ');
}

function programmeBlock(d: DraftProgramme, ctx: PreviewContext): Markup {
  const { tr } = ctx;
  const p = d.programme;
  const name = markup`<b>${esc(loc(p.name, tr.lng))}</b> (${esc(p.id)})`;
  if (d.kind === 'new' || !d.before || !d.diff) {
    const window = tr.t('catalogue:preview.window', { from: p.valid.from ?? tr.plain('catalogue:preview.none'), until: p.valid.until ?? tr.plain('catalogue:preview.none') });
    return join([
      markup`${name}: ${tr.t('catalogue:preview.new')}`,
      markup`💶 ${esc(funderBadge(p, tr))} · ${esc(loc(p.operator, tr.lng))}`,
      window,
      tr.t('catalogue:preview.new_conditions', { count: countLeaves(p) }),
      tr.t('catalogue:preview.checked', { date: p.checked }),
    ]);
  }
  const from = ctx.versionOf(p.id);
  return join([
    markup`${name}: ${tr.t('catalogue:preview.changed', { from, to: from + 1 })}`,
    ...diffLines(d as DraftProgramme & { diff: ProgrammeDiff; before: Programme }, ctx),
  ]);
}

function countLeaves(p: Programme): number {
  let n = 0;
  const walk = (node: Programme['conditions']) => {
    if (node.kind === 'leaf') n++;
    else if (node.kind === 'not') walk(node.child);
    else node.children.forEach(walk);
  };
  walk(p.conditions);
  return n;
}

function answerLine(a: AnswerChange, names: Map<string, string> | undefined, tr: Translator): Markup {
  const expected = a.after !== a.expected ? tr.plain('catalogue:preview.expected', { status: status(a.expected, tr) }) : '';
  // With one programme changed its name on every line would only repeat the heading.
  return tr.t(names ? 'catalogue:preview.answer' : 'catalogue:preview.answer_single', {
    case: a.caseName,
    programme: names?.get(a.programmeId) ?? a.programmeId,
    before: status(a.before, tr),
    after: status(a.after, tr),
    expected,
  });
}

/**
 * The preview a coordinator judges before publishing: each programme new or changed (dates, conditions, dated
 * values, texts, sources), then the rule tests run and the answers that change (case: before → after).
 */
export function previewMarkup(report: DraftReport, ctx: PreviewContext, intro?: Markup): Markup {
  const { tr } = ctx;
  const paras: Markup[] = [tr.t('catalogue:preview.title')];
  if (intro) paras.push(intro);
  const moving = report.programmes.filter((d) => d.kind !== 'same');
  for (const d of moving) paras.push(programmeBlock(d, ctx));
  const same = report.programmes.filter((d) => d.kind === 'same');
  if (same.length) paras.push(tr.t('catalogue:preview.unchanged', { list: same.map((d) => loc(d.programme.name, tr.lng)).join(', '), count: same.length }));
  const names = moving.length > 1 ? new Map(report.programmes.map((d) => [d.id, loc(d.programme.name, tr.lng)])) : undefined;
  const tests: Markup[] = [tr.t('catalogue:preview.tests_run', { shipped: report.casesRun.shipped, sent: report.casesRun.sent })];
  if (report.answers.length) {
    tests.push(tr.t('catalogue:preview.answers_change', { count: report.answers.length }));
    for (const a of report.answers.slice(0, MAX_ANSWERS)) tests.push(answerLine(a, names, tr));
    if (report.answers.length > MAX_ANSWERS) tests.push(tr.t('catalogue:preview.answers_more', { count: report.answers.length - MAX_ANSWERS }));
  } else tests.push(tr.t('catalogue:preview.answers_none'));
  if (report.expectationsBroken) tests.push(tr.t('catalogue:preview.expectations_broken', { count: report.expectationsBroken }));
  paras.push(join(tests));
  return join(paras, '\n\n');
}
