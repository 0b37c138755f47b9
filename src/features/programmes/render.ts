import { esc, join, type Markup, markup } from '../../core/markup.ts';
import { addDays } from '../../core/time.ts';
import { formatDay } from '../../i18n/dates.ts';
import type { Language } from '../../core/types.ts';
import type { Translator } from '../../i18n/index.ts';
import type { Catalogue, Localized, Programme, RuleNode, Source } from './catalogue.ts';
import { evaluateLeaf, fillParams, LOOKAHEAD_DAYS, nextChange, paramsOn, statusOf, type ProgrammeResult, type Why, whyFalse, whyUnknown } from './engine.ts';
import { factDef, type Facts, FACTS, type FactValue } from './facts.ts';
import { programmeSources, sourceTitle } from './sources.ts';
import { byCode } from '../../core/order.ts';

/**
 * What every view needs besides the catalogue: today's date (for "checked on") and how many months make a
 * programme's information stale.
 */
export interface Freshness {
  today: string;
  staleMonths: number;
}

/** Whether a programme was last checked longer ago than the configured months. */
export function isStale(p: Programme, f: Freshness): boolean {
  const [y, m, d] = f.today.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) - f.staleMonths;
  const limit = `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return p.checked < limit;
}

/** "ℹ️ Checked on 1 December 2026", or a warning when that is longer ago than the configured months. */
export function checkedLine(p: Programme, f: Freshness, tr: Translator): Markup {
  return isStale(p, f)
    ? tr.t('programmes:checked.stale', { date: p.checked, count: f.staleMonths })
    : tr.t('programmes:checked.on', { date: p.checked });
}

/** Texts of the catalogue in a language, with dated parameters filled in for the date. */
export function loc(l: Localized, lng: Language, params: Record<string, FactValue | undefined> = {}): string {
  return fillParams(l[lng], params);
}

/**
 * A date in the list style of the reader's language ("01.12.2026", "1 Dec 2026"), for lines and buttons code
 * builds itself. Texts with a date in them take the ISO date and decline it (`{{date, date(case: dat)}}`).
 */
export function listDate(d: string, tr: Translator): string {
  return formatDay(d, tr.ui, 'list');
}

/** The operator's abbreviation (VISC, IKVD) when its name ends with one in brackets. */
export function operatorShort(p: Programme, lng: Language): string | undefined {
  const m = /\(([A-ZĀ-Ž]{2,6})\)$/.exec(p.operator[lng]);
  return m?.[1];
}

const FUNDER_ORDER: Record<Programme['funder']['kind'], number> = { esf_plus: 0, esf: 1, eu_other: 2, state: 3, municipality: 4 };

/** The order programmes are listed in: ESF+ and ESF first, then other EU, state and municipal support, each by name. */
export function inListOrder(list: readonly Programme[], lng: Language): Programme[] {
  return [...list].sort((a, b) => FUNDER_ORDER[a.funder.kind] - FUNDER_ORDER[b.funder.kind] || a.name[lng].localeCompare(b.name[lng], lng));
}

export function listOrder(catalogue: Catalogue, lng: Language): Programme[] {
  return inListOrder(catalogue.programmes, lng);
}

/** "ESF", "EU, not ESF", "state", "municipality": the funder at a glance. */
export function funderBadge(p: Programme, tr: Translator): string {
  // `eu_other` as a locale key would read as a plural form: the key is `eu_programme`.
  return tr.plain(`programmes:funder.${p.funder.kind === 'eu_other' ? 'eu_programme' : p.funder.kind}`);
}

/** A source in words, for a phone screen: the document's title and publisher, never a file name. */
export function sourceLine(s: Source | undefined, tr: Translator): string {
  return s ? sourceTitle(s, tr.lng) : '';
}

/** When a dated value holds, in words: "(from 1 September 2021)", "(until …)", "(from … until …)", or nothing. */
export function datedWhen(d: { from?: string; until?: string }, tr: Translator): string {
  if (d.from && d.until) return tr.plain('programmes:details.between', { from: d.from, until: d.until });
  if (d.from) return tr.plain('programmes:details.from', { from: d.from });
  if (d.until) return tr.plain('programmes:details.until', { until: d.until });
  return '';
}

/** A dated parameter's value in words ("from grade 1"), from the programme's own label. */
export function paramText(p: Programme, name: string, value: FactValue | undefined, lng: Language): string {
  const label = p.parameterLabels[name];
  const v = value === undefined ? '?' : Array.isArray(value) ? value.join(', ') : String(value);
  return label ? label[lng].replace('{value}', v) : v;
}

/** A fact's value as people read it: option labels, yes/no, numbers. */
export function factValue(name: string, value: FactValue, tr: Translator): string {
  const def = factDef(name);
  if (!def) return String(value);
  if (def.kind === 'bool') return tr.plain(value ? 'common:yes' : 'common:no');
  if (def.kind === 'enum') return tr.plain(`programmes:facts.${name}.options.${String(value)}`);
  if (def.kind === 'set') {
    const list = value as readonly string[];
    return list.length ? list.map((v) => tr.plain(`programmes:facts.${name}.options.${v}`)).join(', ') : tr.plain('programmes:results.none');
  }
  return String(value);
}

/** What is known, in one line: "a child / pupil · grade: 1 · needs: meals". */
export function factSummary(facts: Facts, tr: Translator): Markup {
  const parts = FACTS.filter((f) => facts[f.name as keyof Facts] !== undefined).map((f) => {
    const v = facts[f.name as keyof Facts] as FactValue;
    return f.name === 'subject' ? factValue(f.name, v, tr) : `${tr.plain(`programmes:facts.${f.name}.short`)}: ${factValue(f.name, v, tr)}`;
  });
  return parts.length ? esc(parts.join(' · ')) : tr.t('programmes:results.nothing_known');
}

function whyText(items: Why[], tr: Translator, params: Record<string, FactValue | undefined>, withAnswers: boolean): string {
  const one = (w: Why): string => {
    if ('or' in w) return w.or.map(one).join(` ${tr.plain('programmes:results.or')} `);
    if ('and' in w) return w.and.map(one).join(', ');
    let s = loc(w.label, tr.lng, params);
    const leaf = w.leaf;
    if (withAnswers && leaf && leaf.actual !== undefined) {
      const kind = factDef(leaf.node.fact)?.kind;
      if (kind === 'int' || kind === 'set') s += ` (${tr.plain('programmes:results.answer', { value: factValue(leaf.node.fact, leaf.actual, tr) })})`;
    }
    return s;
  };
  return items.map(one).join('; ');
}

/** The first condition that decided a "no", for its citation. */
function decisiveSource(r: ProgrammeResult): Source | undefined {
  const first = whyFalse(r.trace)[0];
  return first && 'leaf' in first && first.leaf ? first.leaf.node.source : undefined;
}

/**
 * Remarks for this case: only those a fact of the case triggers (`when`), so answers stay short on a phone; the
 * programme's general remarks are on its page.
 */
function notesFor(r: ProgrammeResult, facts: Facts, tr: Translator): string[] {
  return r.programme.notes
    .filter((n) => !n.for || (n.for as readonly string[]).includes(r.status))
    .filter((n) => n.when && evaluateLeaf(n.when, facts, r.params, r.asOf).outcome === true)
    .map((n) => loc(n.text, tr.lng, r.params));
}

function windowLine(p: Programme, tr: Translator): Markup {
  if (!p.valid.until) return tr.t('programmes:results.no_end');
  return tr.t(p.valid.after === 'unknown' ? 'programmes:results.until_known' : 'programmes:results.until', { date: p.valid.until });
}

/**
 * A change within the look-ahead that would turn this answer: "📅 From 1 September 2021: from grade 1 — likely
 * eligible". Names the dated values that change, so the reader sees why.
 */
export function changeLine(r: ProgrammeResult, facts: Facts, tr: Translator): Markup | undefined {
  const later = nextChange(r.programme, facts, r.asOf);
  if (!later || later.status === 'closed') return undefined;
  const p = r.programme;
  const what = Object.keys(p.parameters)
    .filter((name) => later.params[name] !== r.params[name])
    .map((name) => paramText(p, name, later.params[name], tr.lng));
  const day = later.opensOn ?? later.asOf;
  return tr.t('programmes:results.change', {
    date: day,
    what: what.length ? `${what.join(', ')} — ` : '',
    status: tr.plain(`programmes:results.change_status.${later.status}`),
  });
}

function sourcesLine(p: Programme, r: ProgrammeResult | undefined, tr: Translator, fresh: Freshness): Markup {
  const src = sourceLine((r && r.status === 'not_eligible' ? decisiveSource(r) : undefined) ?? p.source, tr);
  return markup`${tr.t('programmes:results.source', { source: src })} · ${checkedLine(p, fresh, tr)}`;
}

function fullBlock(r: ProgrammeResult, facts: Facts, tr: Translator, toCheck: boolean, fresh: Freshness): Markup {
  const p = r.programme;
  const lines: Markup[] = [markup`<b>${esc(loc(p.name, tr.lng))}</b> · ${esc(funderBadge(p, tr))} · ${esc(operatorShort(p, tr.lng) ?? loc(p.operator, tr.lng))}`];
  const open = toCheck ? whyUnknown(r.trace) : [];
  if (open.length) lines.push(tr.t('programmes:results.to_check', { what: whyText(open, tr, r.params, false) }));
  if (r.uncertainAfter) {
    lines.push(tr.t('programmes:results.continues_unknown', { date: r.uncertainAfter, operator: operatorShort(p, tr.lng) ?? loc(p.operator, tr.lng) }));
  }
  // What a programme gives is told in full for the likely ones; for the "possibly" ones what to check and how to
  // apply come first, and the rest is one tap away (ℹ️): the whole answer has to be read on a phone.
  if (!toCheck) lines.push(tr.t('programmes:results.gives', { text: loc(p.gives, tr.lng, r.params) }));
  for (const n of notesFor(r, facts, tr)) lines.push(tr.t('programmes:results.note', { text: n }));
  lines.push(windowLine(p, tr));
  const change = changeLine(r, facts, tr);
  if (change) lines.push(change);
  lines.push(tr.t('programmes:results.apply', { text: loc(p.apply, tr.lng, r.params) }));
  lines.push(sourcesLine(p, r, tr, fresh));
  return join(lines);
}

function shortLine(r: ProgrammeResult, tr: Translator): Markup {
  const p = r.programme;
  const name = markup`<b>${esc(loc(p.name, tr.lng))}</b> (${esc(funderBadge(p, tr))})`;
  const when = r.status === 'closed' ? tr.t('programmes:results.ended', { date: r.endedOn! }) : tr.t('programmes:results.opens', { date: r.opensOn! });
  return markup`• ${name}: ${when}`;
}

/**
 * "Not eligible" lines: the condition that failed, the answer it failed on, and its source. Programmes failing
 * for the same reason share one line ("• Lab assistants, Research (ESF): not met: a school"), to stay short.
 */
function notEligibleLines(list: ProgrammeResult[], facts: Facts, tr: Translator): Markup[] {
  const groups: Array<{ key: string; names: string[]; badge: string; reason: Markup; src: string; extra: Markup[] }> = [];
  for (const r of list) {
    const p = r.programme;
    const reason = tr.t('programmes:results.requires', { what: whyText(whyFalse(r.trace), tr, r.params, true) });
    const src = sourceLine(decisiveSource(r) ?? p.source, tr);
    const badge = funderBadge(p, tr);
    const extra = notesFor(r, facts, tr).map((n) => tr.t('programmes:results.note', { text: n }));
    const change = changeLine(r, facts, tr);
    if (change) extra.push(change);
    const key = `${badge}|${reason}|${src}`;
    const same = extra.length === 0 ? groups.find((g) => g.key === key && g.extra.length === 0) : undefined;
    if (same) same.names.push(loc(p.name, tr.lng));
    else groups.push({ key, names: [loc(p.name, tr.lng)], badge, reason, src, extra });
  }
  return groups.map((g) => {
    const names = join(g.names.map((n) => markup`<b>${esc(n)}</b>`), ', ');
    const lines: Markup[] = [markup`• ${names} (${esc(g.badge)}): ${g.reason} · 📄 ${esc(g.src)}`];
    for (const x of g.extra) lines.push(markup`  ${x}`);
    return join(lines);
  });
}

/**
 * The questionnaire's answer, grouped: likely eligible, possibly (with what is still to check), not eligible (the
 * reason in one line), then programmes that would have fitted but have ended or not yet begun. Paragraphs, so long
 * answers split cleanly. When nothing open fits, it says so with the date the catalogue was checked.
 */
export function resultsMarkup(results: ProgrammeResult[], facts: Facts, asOf: string, tr: Translator, fresh: Freshness): Markup {
  const order = new Map(inListOrder(results.map((r) => r.programme), tr.lng).map((p, i) => [p.id, i]));
  const by = (s: ProgrammeResult['status']) => results.filter((r) => r.status === s).sort((a, b) => order.get(a.programme.id)! - order.get(b.programme.id)!);
  const paras: Markup[] = [
    join([tr.t('programmes:results.title', { date: asOf }), markup`${tr.t('programmes:results.known')} ${factSummary(facts, tr)}`]),
  ];
  const section = (key: string, list: ProgrammeResult[], body: (r: ProgrammeResult) => Markup, compact: boolean) => {
    if (!list.length) return;
    const head = tr.t(key, { count: list.length });
    if (compact) paras.push(join([head, ...list.map(body)]));
    else {
      paras.push(head);
      for (const r of list) paras.push(body(r));
    }
  };
  section('programmes:results.eligible', by('eligible'), (r) => fullBlock(r, facts, tr, false, fresh), false);
  section('programmes:results.unknown', by('unknown'), (r) => fullBlock(r, facts, tr, true, fresh), false);
  // Programmes meant for someone else (an adult's job support when the question is about a school) are counted in
  // one line, not listed: a phone screen is for what concerns this case.
  const forSubject = (r: ProgrammeResult) => facts.subject === undefined || statusOf(r.programme, { subject: facts.subject }, r.asOf) !== 'not_eligible';
  const no = by('not_eligible');
  const near = no.filter(forSubject);
  const others = no.length - near.length;
  if (near.length) paras.push(join([tr.t('programmes:results.not_eligible', { count: near.length }), ...notEligibleLines(near, facts, tr)]));
  if (others) paras.push(tr.t('programmes:results.for_others', { count: others }));
  // Ended or future programmes are worth a line only where their conditions would fit this case.
  const wouldFit = (r: ProgrammeResult) => r.conditions !== false;
  section('programmes:results.closed', by('closed').filter(wouldFit), (r) => shortLine(r, tr), true);
  // …and a future one only when it opens within the look-ahead: a 2021 case needs no word about 2025.
  const soon = (r: ProgrammeResult) => r.opensOn! <= addDays(asOf, LOOKAHEAD_DAYS);
  section('programmes:results.not_yet_open', by('not_yet_open').filter((r) => wouldFit(r) && soon(r)), (r) => shortLine(r, tr), true);
  if (!by('eligible').length && !by('unknown').length) {
    const inWindow = results.filter((r) => r.status !== 'closed' && r.status !== 'not_yet_open');
    const checked = (inWindow.length ? inWindow : results).map((r) => r.programme.checked).sort()[0];
    paras.push(checked ? tr.t('programmes:results.nothing_fits', { date: checked }) : tr.t('programmes:results.nothing_fits_empty'));
  }
  paras.push(tr.t('programmes:results.footer'));
  return join(paras, '\n\n');
}

function ruleLines(node: RuleNode, tr: Translator, params: Record<string, FactValue | undefined>, depth: number): Markup[] {
  const pad = '  '.repeat(depth);
  if (node.kind === 'leaf') return [esc(`${pad}• ${loc(node.label, tr.lng, params)}`)];
  if (node.kind === 'not') return [esc(`${pad}• ${loc(node.label, tr.lng, params)}`)];
  if (node.label && depth > 0 && node.children.every((c) => c.kind === 'leaf')) {
    return [esc(`${pad}• ${loc(node.label, tr.lng, params)}`)];
  }
  if (node.kind === 'all') {
    if (depth === 0) return node.children.flatMap((c) => ruleLines(c, tr, params, depth));
    return [esc(`${pad}• ${tr.plain('programmes:details.all_of')}`), ...node.children.flatMap((c) => ruleLines(c, tr, params, depth + 1))];
  }
  return [esc(`${pad}• ${tr.plain('programmes:details.one_of')}`), ...node.children.flatMap((c) => ruleLines(c, tr, params, depth + 1))];
}

function statusOn(p: Programme, asOf: string, tr: Translator): Markup {
  if (p.valid.from && asOf < p.valid.from) return tr.t('programmes:details.not_yet_open', { date: p.valid.from });
  if (p.valid.until && asOf > p.valid.until) {
    return p.valid.after === 'closed'
      ? tr.t('programmes:details.closed', { date: p.valid.until })
      : tr.t('programmes:details.continuation_unknown', { date: p.valid.until, operator: operatorShort(p, tr.lng) ?? loc(p.operator, tr.lng) });
  }
  return tr.t('programmes:details.open');
}

/** One programme in full: what, who, when, conditions as of the date, what changes, how to apply, sources. */
export function detailsMarkup(p: Programme, asOf: string, tr: Translator, fresh: Freshness): Markup {
  const lng = tr.lng;
  const params = paramsOn(p, asOf);
  const lines: Markup[] = [markup`<b>${esc(loc(p.name, lng))}</b>`];
  if (p.project) lines.push(markup`<i>${esc(loc(p.project, lng))}</i>`);
  lines.push(tr.t('programmes:details.funder', { funder: loc(p.funder.name, lng), operator: loc(p.operator, lng) }));
  lines.push(tr.t('programmes:details.applicant', { who: p.applicant.map((a) => tr.plain(`programmes:applicant.${a}`)).join(', ') }));
  const window = p.valid.from && p.valid.until
    ? tr.t('programmes:details.valid_between', { from: p.valid.from, until: p.valid.until })
    : p.valid.until
      ? tr.t('programmes:details.valid_until', { until: p.valid.until })
      : p.valid.from
        ? tr.t('programmes:details.valid_from', { from: p.valid.from })
        : tr.t('programmes:details.valid_open');
  lines.push(markup`${window} · ${statusOn(p, asOf, tr)}`);
  if (p.valid.note) lines.push(markup`<i>${esc(loc(p.valid.note, lng, params))}</i>`);
  lines.push(checkedLine(p, fresh, tr));
  const paras: Markup[] = [join(lines)];
  paras.push(tr.t('programmes:details.gives', { text: loc(p.gives, lng, params) }));
  const general = p.notes.filter((n) => !n.when).map((n) => tr.t('programmes:results.note', { text: loc(n.text, lng, params) }));
  if (general.length) paras.push(join(general));
  paras.push(join([tr.t('programmes:details.conditions', { date: asOf }), ...ruleLines(p.conditions, tr, params, 0)]));
  const dated = Object.entries(p.parameters).filter(([, list]) => list.length > 1);
  if (dated.length) {
    const items = dated.flatMap(([name, list]) =>
      list.map((d) => {
        const when = datedWhen(d, tr);
        return esc(`  • ${paramText(p, name, d.value, lng)} ${when}`.trimEnd());
      }),
    );
    paras.push(join([tr.t('programmes:details.dated'), ...items]));
  }
  paras.push(tr.t('programmes:details.apply', { text: loc(p.apply, lng, params) }));
  paras.push(tr.t('programmes:details.source', { source: sourceLine(p.source, tr), count: programmeSources(p).length }));
  return join(paras, '\n\n');
}

/** Every source of a programme with the words relied on, where it is in the document, and its address. */
export function sourcesMarkup(p: Programme, tr: Translator): Markup {
  const items = programmeSources(p).map((s, i) => {
    const lines: Markup[] = [markup`<b>${i + 1}.</b> ${esc(sourceLine(s, tr))}`];
    if (s.part) lines.push(esc(s.part));
    lines.push(tr.t('programmes:sources.quote', { quote: s.quote }));
    if (s.url) lines.push(tr.t('programmes:sources.url', { url: s.url, date: s.read! }));
    return join(lines);
  });
  return join([tr.t('programmes:sources.title', { name: loc(p.name, tr.lng) }), ...items], '\n\n');
}

/** Where a programme stands on a date. */
export type Standing = 'open' | 'ended' | 'future';
export function standing(p: Programme, asOf: string): Standing {
  if (p.valid.until && asOf > p.valid.until && p.valid.after === 'closed') return 'ended';
  if (p.valid.from && asOf < p.valid.from) return 'future';
  return 'open';
}

/**
 * The catalogue at a glance: what is open on the date (ESF first), what is about to open, and, in one line,
 * how many have ended (they have their own list).
 */
export function listMarkup(catalogue: Catalogue, asOf: string, tr: Translator, fresh: Freshness): Markup {
  const line = (p: Programme): Markup => {
    const state = standing(p, asOf) === 'future' ? tr.t('programmes:list.opens', { date: p.valid.from! }) : undefined;
    const who = operatorShort(p, tr.lng);
    const extras: Markup[] = [esc(funderBadge(p, tr)), ...(who ? [esc(who)] : []), ...(state ? [state] : [])];
    if (p.valid.until) {
      const past = asOf > p.valid.until;
      extras.push(tr.t(past ? 'programmes:list.continuation_unknown' : 'programmes:list.until', { date: p.valid.until }));
    }
    if (isStale(p, fresh)) extras.push(tr.t('programmes:list.stale'));
    return markup`• <b>${esc(loc(p.name, tr.lng))}</b> · ${join(extras, ' · ')}`;
  };
  const ordered = listOrder(catalogue, tr.lng);
  const open = ordered.filter((p) => standing(p, asOf) === 'open');
  const future = ordered.filter((p) => standing(p, asOf) === 'future');
  const ended = ordered.filter((p) => standing(p, asOf) === 'ended');
  const paras: Markup[] = [tr.t('programmes:list.title', { count: open.length, date: asOf })];
  if (open.length) paras.push(join(open.map(line)));
  else paras.push(tr.t('programmes:list.none_open'));
  if (future.length) paras.push(join([tr.t('programmes:list.future'), ...future.map(line)]));
  if (ended.length) paras.push(tr.t('programmes:list.ended_count', { count: ended.length }));
  paras.push(tr.t('programmes:list.hint'));
  return join(paras, '\n\n');
}

/** Programmes that have ended by the date, newest end first, each with its end date. */
export function endedMarkup(catalogue: Catalogue, asOf: string, tr: Translator): Markup {
  const ended = catalogue.programmes
    .filter((p) => standing(p, asOf) === 'ended')
    .sort((a, b) => byCode(b.valid.until!, a.valid.until!) || a.name[tr.lng].localeCompare(b.name[tr.lng], tr.lng));
  const lines = ended.map((p) => markup`• <b>${esc(loc(p.name, tr.lng))}</b> · ${esc(funderBadge(p, tr))} · ${tr.t('programmes:list.ended', { date: p.valid.until! })}`);
  return join([tr.t('programmes:list.ended_title', { count: ended.length, date: asOf }), ...lines]);
}
