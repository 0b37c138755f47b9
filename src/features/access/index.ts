import { admins, type Role } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { esc, join, type Markup, splitMarkup } from '../../core/markup.ts';
import type { Feature, PersonalData } from '../../core/router.ts';
import { formatMoment } from '../../i18n/dates.ts';
import { type Reply, text } from '../../core/types.ts';
import type { FeatureDeps } from '../deps.ts';
import { AuditLog, type AuditRow } from './audit.ts';
import { GuessLimiter } from './codes.ts';
import { directoryPart } from './directory.ts';
import { invitesPart } from './invites.ts';
import { linkPart } from './link.ts';
import { viewPeople } from './people-view.ts';
import { privacyPart } from './privacy.ts';
import { retentionSweep } from './retention.ts';
import { rolesPart } from './roles.ts';

export { AuditLog } from './audit.ts';

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const AUDIT_DEFAULT = 20;
const AUDIT_MAX = 200;

export type AccessFeature = Feature & {
  /** For the people feature: tells coordinators about a role request, with Approve / Reject. */
  onRoleRequested: (ctx: Ctx, role: Role, municipality: string | null) => Promise<void>;
  /** For the people feature: `/start CODE` redeems an invite (undefined: not an invite, /start goes on). */
  onStart: (ctx: Ctx, args: string) => Promise<Reply[] | undefined>;
  /** Runs the retention sweep now (the feature runs it hourly once started). */
  sweep(now?: Date): ReturnType<typeof retentionSweep>;
};

/**
 * Trust: roles and approvals, invites, one person across platforms, the members' directory, privacy (/privacy,
 * /mydata, /forget) and the audit log. Access rules stay declared per command and action, like everywhere else.
 */
export function accessFeature(deps: FeatureDeps & { audit: AuditLog }): AccessFeature {
  const { db, audit } = deps;
  const guesses = new GuessLimiter(db);
  const roles = rolesPart({ deps, audit });
  const invites = invitesPart({ deps, audit, guesses });
  const link = linkPart({ deps, audit, guesses });
  const directory = directoryPart(deps);
  const privacy = privacyPart({ deps, audit });

  const auditView = async (ctx: Ctx, args: string): Promise<Reply[]> => {
    const { tr } = ctx;
    const n = /^\d{1,4}$/.test(args.trim()) ? Math.min(AUDIT_MAX, Math.max(1, Number(args.trim()))) : AUDIT_DEFAULT;
    const rows = await audit.recent(n);
    if (!rows.length) return [text(tr.t('access:audit.empty'))];
    const ids = [...new Set(rows.flatMap((r) => [r.actor_id, r.subject_id]).filter((x): x is string => x !== null))];
    const people = await viewPeople(db, ids);
    const who = (id: string | null, role: string | null): string => {
      if (!id) return role ? `${tr.plain(`common:roles.${role}`)} (${tr.plain('access:audit.erased')})` : tr.plain('access:audit.bot');
      const name = people.get(id)?.name ?? tr.plain('access:audit.erased');
      return role ? `${name} (${tr.plain(`common:roles.${role}`)})` : name;
    };
    const line = (r: AuditRow): Markup => {
      const at = new Date(r.at);
      const action = tr.has(`access:audit.actions.${r.action.replace('.', '_')}`) ? tr.plain(`access:audit.actions.${r.action.replace('.', '_')}`) : r.action;
      const subject = r.subject_id && r.subject_id !== r.actor_id ? ` → ${who(r.subject_id, null)}` : '';
      const details = r.details ? ` ${compactDetails(r.details)}` : '';
      return esc(`${formatMoment(at, tr.ui, 'list')} · ${who(r.actor_id, r.actor_role)} · ${action}${subject}${details}`);
    };
    const body = join([tr.t('access:audit.title', { count: rows.length }), ...rows.map(line)]);
    return splitMarkup(body, Math.min(3500, ctx.caps.maxTextLength)).map((m) => text(m));
  };

  const personalData: PersonalData = {
    async export(personId, tx) {
      const invitesMade = await tx.selectFrom('invites').select(['role', 'municipality', 'created_at', 'expires_at', 'used_at']).where('created_by', '=', personId).execute();
      const inviteUsed = await tx.selectFrom('invites').select(['role', 'municipality', 'used_at']).where('used_by', '=', personId).execute();
      const linkCodes = await tx.selectFrom('link_codes').select(['created_at', 'expires_at']).where('person_id', '=', personId).execute();
      const wrongCodes = await tx.selectFrom('code_attempts').select(['kind', 'at']).where('person_id', '=', personId).execute();
      const auditRows = await audit.about(personId, tx);
      return {
        invitesMade,
        inviteUsed,
        linkCodesWaiting: linkCodes,
        wrongCodeGuesses: wrongCodes,
        auditLog: auditRows.map((r) => ({ at: r.at, action: r.action, you: r.actor_id === personId ? 'actor' : 'subject', details: r.details ? JSON.parse(r.details) : null })),
      };
    },
    async erase(personId, tx) {
      await tx.deleteFrom('link_codes').where('person_id', '=', personId).execute();
      await tx.deleteFrom('code_attempts').where('person_id', '=', personId).execute();
      await tx.updateTable('invites').set({ created_by: null }).where('created_by', '=', personId).execute();
      await tx.updateTable('invites').set({ used_by: null }).where('used_by', '=', personId).execute();
      await audit.erase(personId, tx);
    },
    async merge(fromId, intoId, tx) {
      await tx.deleteFrom('link_codes').where('person_id', '=', fromId).execute();
      await tx.updateTable('code_attempts').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
      await tx.updateTable('invites').set({ created_by: intoId }).where('created_by', '=', fromId).execute();
      await tx.updateTable('invites').set({ used_by: intoId }).where('used_by', '=', fromId).execute();
      await audit.merge(fromId, intoId, tx);
    },
  };

  let timer: NodeJS.Timeout | undefined;
  const sweep = (now: Date = deps.clock.now()) => retentionSweep(deps, audit, now);
  const sweepLogged = () =>
    sweep().then(
      (r) => deps.log.info({ sweep: r }, 'retention sweep done'),
      (err) => deps.log.warn({ err }, 'retention sweep failed'),
    );

  return {
    name: 'access',
    commands: [
      ...link.commands,
      ...directory.commands,
      ...privacy.commands,
      ...roles.commands,
      ...invites.commands,
      { name: 'audit', access: [admins], description: 'access:commands.audit', arg: { name: 'count', description: 'access:commands.audit_arg' }, handle: auditView },
    ],
    actions: [...roles.actions, ...link.actions, ...directory.actions],
    flows: [invites.flow, privacy.flow, link.flow],
    menu: [{ label: 'access:menu.contacts', command: 'contacts', order: 50 }],
    personalData,
    onRoleRequested: roles.onRoleRequested,
    onStart: invites.redeem,
    sweep,
    async start() {
      await sweepLogged();
      timer = setInterval(() => void sweepLogged(), SWEEP_INTERVAL_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/** `{"role":"expert"}` → `role=expert`: short, for one audit line. */
function compactDetails(json: string): string {
  try {
    const o = JSON.parse(json) as Record<string, unknown>;
    return Object.entries(o)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('/') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
      .join(' ')
      .slice(0, 200);
  } catch {
    return '';
  }
}
