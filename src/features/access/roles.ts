import { admins, type Role, staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { join, type Markup } from '../../core/markup.ts';
import type { ActionDef, CommandDef } from '../../core/router.ts';
import { type Choice, type Reply, text } from '../../core/types.ts';
import type { Translator } from '../../i18n/index.ts';
import type { FeatureDeps } from '../deps.ts';
import type { AuditLog } from './audit.ts';
import { notifyPerson, refreshMenus, staffIds } from './notify.ts';
import { type PersonView, viewPeople, viewPerson } from './people-view.ts';

/** Roles a coordinator may give or take (through a request, or in a member's card). Coordinators: admins only. */
const MEMBER_SET: readonly Role[] = ['expert', 'mediator', 'guest'];
const MAX_REQUESTS_SHOWN = 10;
const MAX_MEMBERS_SHOWN = 60;
const MAX_MEMBER_BUTTONS = 24;

export interface RolesDeps {
  deps: FeatureDeps;
  audit: AuditLog;
}

export function accountsLabel(p: PersonView): string {
  const parts = p.accounts.map((a) => (a.username ? `${a.platform} @${a.username}` : a.platform));
  return [...new Set(parts)].join(', ') || '—';
}

/**
 * Role requests, approvals and the members list. Every button names the person and the role it is about, and the
 * change is a compare-and-set on what the button was shown for: an old button, or one pressed twice or by two
 * coordinators, changes nothing the second time. Authority comes from the presser's role, checked by the router.
 */
export function rolesPart({ deps, audit }: RolesDeps): { commands: CommandDef[]; actions: ActionDef[]; onRoleRequested: (ctx: Ctx, role: Role, municipality: string | null) => Promise<void> } {
  const db = deps.db;
  /** A member's municipality for a message: its name in every case, or words saying it is not known. */
  const munName = (tr: Translator, id: string | null, unknown = 'common:municipality_unknown') => deps.municipalities.get(id)?.place ?? tr.plain(unknown);
  const roleName = (tr: Translator, role: Role) => tr.plain(`common:roles.${role}`);

  const requestButtons = (tr: Translator, personId: string, role: Role): Choice[][] => [
    [
      { label: tr.plain('access:roles.approve'), action: `access:approve:${personId}:${role}` },
      { label: tr.plain('access:roles.reject'), action: `access:reject:${personId}:${role}` },
    ],
  ];

  const requestText = (tr: Translator, p: PersonView, role: Role, since: string): Markup =>
    tr.t('access:roles.request_line', {
      name: p.name,
      accounts: accountsLabel(p),
      role: roleName(tr, role),
      municipality: munName(tr, p.municipality),
      date: new Date(since),
    });

  /** Registration asked for a role: every coordinator and admin gets the request with Approve / Reject. */
  const onRoleRequested = async (ctx: Ctx, role: Role, _municipality: string | null): Promise<void> => {
    await audit.byCtx(ctx, 'role.request', ctx.person.id, { role });
    const p = await viewPerson(db, ctx.person.id);
    if (!p) return;
    for (const id of await staffIds(db, deps.config.admins)) {
      if (id === ctx.person.id) continue;
      await notifyPerson(deps, id, 'role_request', (tr) => text(join([tr.t('access:roles.request_title'), requestText(tr, p, role, ctx.now.toISOString())], '\n'), requestButtons(tr, p.id, role)));
    }
  };

  const tellPerson = (personId: string, key: string, role: Role) =>
    notifyPerson(deps, personId, 'role_decision', (tr) => text(tr.t(key, { role: roleName(tr, role) })));

  /** Sets the role if the person's stored role is still one of `from`; true when it changed. */
  const changeRole = async (personId: string, role: Role, from: readonly Role[], at: Date): Promise<boolean> => {
    const r = await db
      .updateTable('persons')
      .set({ role, requested_role: null, updated_at: at.toISOString() })
      .where('id', '=', personId)
      .where('role', 'in', [...from])
      .where('role', '!=', role)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  };

  const decide = async (ctx: Ctx, personId: string | undefined, role: string | undefined, approve: boolean): Promise<Reply[]> => {
    const { tr } = ctx;
    if (!personId || (role !== 'expert' && role !== 'mediator')) return [text(tr.t('access:roles.already_decided'))];
    const p = await viewPerson(db, personId);
    if (!p) return [text(tr.t('access:roles.not_found'))];
    // Compare-and-set: only the request this button was shown for, and never over a coordinator's or admin's role.
    const changed = approve
      ? await db
          .updateTable('persons')
          .set({ role, requested_role: null, updated_at: ctx.now.toISOString() })
          .where('id', '=', personId)
          .where('requested_role', '=', role)
          .where('role', 'in', ['guest', 'expert', 'mediator'])
          .executeTakeFirst()
      : await db
          .updateTable('persons')
          .set({ requested_role: null, updated_at: ctx.now.toISOString() })
          .where('id', '=', personId)
          .where('requested_role', '=', role)
          .executeTakeFirst();
    if (Number(changed.numUpdatedRows) === 0) return [text(tr.t('access:roles.already_decided'))];
    await audit.byCtx(ctx, approve ? 'role.approve' : 'role.reject', personId, { role });
    if (approve) {
      await tellPerson(personId, 'access:roles.you_approved', role);
      await refreshMenus(deps, personId);
    } else {
      await tellPerson(personId, 'access:roles.you_rejected', role);
    }
    return [text(tr.t(approve ? 'access:roles.approved' : 'access:roles.rejected', { name: p.name, role: roleName(tr, role) }))];
  };

  /** The pending requests (each with its buttons) and the members list (with buttons opening each member). */
  const overview = async (ctx: Ctx, filter: string): Promise<Reply[]> => {
    const { tr } = ctx;
    const replies: Reply[] = [];
    const pending = await db
      .selectFrom('persons')
      .select(['id', 'requested_role', 'updated_at'])
      .where('requested_role', 'is not', null)
      .where('registered_at', 'is not', null)
      .orderBy('updated_at')
      .execute();
    const pendingViews = await viewPeople(db, pending.slice(0, MAX_REQUESTS_SHOWN).map((r) => r.id));
    replies.push(text(pending.length ? tr.t('access:roles.requests_title', { count: pending.length }) : tr.t('access:roles.no_requests')));
    for (const r of pending.slice(0, MAX_REQUESTS_SHOWN)) {
      const p = pendingViews.get(r.id);
      if (!p || !r.requested_role) continue;
      replies.push(text(requestText(tr, p, r.requested_role, r.updated_at), requestButtons(tr, p.id, r.requested_role)));
    }
    if (pending.length > MAX_REQUESTS_SHOWN) replies.push(text(tr.t('access:roles.more', { count: pending.length - MAX_REQUESTS_SHOWN })));

    const memberRows = await db
      .selectFrom('persons')
      .select(['id', 'role'])
      .where('registered_at', 'is not', null)
      .where('role', '!=', 'guest')
      .execute();
    const views = [...(await viewPeople(db, memberRows.map((r) => r.id))).values()];
    const f = filter.trim().toLocaleLowerCase().slice(0, 60);
    // A municipality in any language or case it is written in ("Talsu", "Даугавпилс").
    const places = new Set(f ? deps.municipalities.find(f).map((m) => m.id) : []);
    const matching = views
      .filter((p) => !f || p.name.toLocaleLowerCase().includes(f) || p.accounts.some((a) => a.username?.toLocaleLowerCase().includes(f)) || (p.municipality !== null && places.has(p.municipality)))
      .sort((a, b) => rank(b.role) - rank(a.role) || a.name.localeCompare(b.name, 'lv'));
    if (!matching.length) {
      replies.push(text(tr.t('access:roles.no_members')));
      return replies;
    }
    const lines: Markup[] = [f ? tr.t('access:roles.members_filtered', { filter: f, count: matching.length }) : tr.t('access:roles.members_title', { count: matching.length })];
    for (const p of matching.slice(0, MAX_MEMBERS_SHOWN)) lines.push(tr.t('access:roles.member_line', { name: p.name, role: roleName(tr, p.role), municipality: munName(tr, p.municipality, 'common:no_municipality') }));
    if (matching.length > MAX_MEMBERS_SHOWN) lines.push(tr.t('access:roles.members_more', { count: matching.length - MAX_MEMBERS_SHOWN }));
    lines.push('' as Markup, tr.t('access:roles.open_member_hint'));
    const buttons: Choice[][] = [];
    const shown = matching.slice(0, MAX_MEMBER_BUTTONS);
    for (let i = 0; i < shown.length; i += 2) buttons.push(shown.slice(i, i + 2).map((p) => ({ label: p.name.slice(0, 40), action: `access:member:${p.id}` })));
    replies.push(text(join(lines), buttons));
    return replies;
  };

  const isConfigAdmin = (p: PersonView) => p.accounts.some((a) => deps.people.isConfiguredAdmin(`${a.platform}:${a.id}`));

  /** One member's card, with the role buttons the presser may use. */
  const card = async (ctx: Ctx, personId: string | undefined, intro?: Markup): Promise<Reply[]> => {
    const { tr } = ctx;
    const p = personId ? await viewPerson(db, personId) : undefined;
    if (!p) return [text(tr.t('access:roles.not_found'))];
    const lines: Markup[] = [];
    if (intro) lines.push(intro, '' as Markup);
    lines.push(tr.t('access:roles.member_card', { name: p.name, role: roleName(tr, p.role), municipality: munName(tr, p.municipality), accounts: accountsLabel(p) }));
    if (p.requestedRole) lines.push(tr.t('access:roles.member_requested', { role: roleName(tr, p.requestedRole) }));
    const buttons: Choice[][] = [];
    if (isConfigAdmin(p) || p.role === 'admin') {
      lines.push(tr.t('access:roles.member_admin_config'));
    } else {
      if (p.requestedRole) buttons.push(...requestButtons(tr, p.id, p.requestedRole));
      if (MEMBER_SET.includes(p.role)) {
        const row: Choice[] = [];
        for (const r of MEMBER_SET) {
          if (r !== p.role) row.push({ label: tr.plain(`access:roles.set_${r}`), action: `access:setrole:${p.id}:${r}` });
        }
        buttons.push(row);
      }
      if (ctx.person.role === 'admin') {
        buttons.push([
          p.role === 'coordinator'
            ? { label: tr.plain('access:roles.revoke_coordinator'), action: `access:coord:${p.id}:off` }
            : { label: tr.plain('access:roles.make_coordinator'), action: `access:coord:${p.id}:on` },
        ]);
      } else if (p.role === 'coordinator') {
        lines.push(tr.t('access:roles.coordinator_by_admin'));
      }
    }
    return [text(join(lines), buttons)];
  };

  const commands: CommandDef[] = [
    {
      name: 'roles',
      access: [staff],
      description: 'access:commands.roles',
      arg: { name: 'filter', description: 'access:commands.roles_arg' },
      handle: (ctx, args) => overview(ctx, args),
    },
  ];

  const actions: ActionDef[] = [
    { id: 'access:approve', access: [staff], handle: (ctx, [id, role]) => decide(ctx, id, role, true) },
    { id: 'access:reject', access: [staff], handle: (ctx, [id, role]) => decide(ctx, id, role, false) },
    { id: 'access:member', access: [staff], handle: (ctx, [id]) => card(ctx, id) },
    {
      // Coordinators (and admins) move members between expert, mediator and guest; coordinators' roles are not theirs to change.
      id: 'access:setrole',
      access: [staff],
      async handle(ctx, [id, role]) {
        const { tr } = ctx;
        const p = id ? await viewPerson(db, id) : undefined;
        if (!p) return [text(tr.t('access:roles.not_found'))];
        if (role !== 'expert' && role !== 'mediator' && role !== 'guest') return card(ctx, id);
        if (isConfigAdmin(p) || !(await changeRole(p.id, role, MEMBER_SET, ctx.now))) {
          return card(ctx, id, tr.t('access:roles.unchanged', { name: p.name, role: roleName(tr, p.role) }));
        }
        await audit.byCtx(ctx, 'role.set', p.id, { from: p.role, to: role });
        await tellPerson(p.id, 'access:roles.you_role_set', role);
        await refreshMenus(deps, p.id);
        return card(ctx, id, tr.t('access:roles.role_changed', { name: p.name, role: roleName(tr, role) }));
      },
    },
    {
      // Admins grant and revoke the coordinator role. Revoking leaves a guest: the admin gives another role if due.
      id: 'access:coord',
      access: [admins],
      async handle(ctx, [id, onOff]) {
        const { tr } = ctx;
        const p = id ? await viewPerson(db, id) : undefined;
        if (!p) return [text(tr.t('access:roles.not_found'))];
        const grant = onOff === 'on';
        if (onOff !== 'on' && onOff !== 'off') return card(ctx, id);
        const to: Role = grant ? 'coordinator' : 'guest';
        const ok = !isConfigAdmin(p) && (await changeRole(p.id, to, grant ? MEMBER_SET : ['coordinator'], ctx.now));
        if (!ok) return card(ctx, id, tr.t('access:roles.unchanged', { name: p.name, role: roleName(tr, p.role) }));
        await audit.byCtx(ctx, grant ? 'coordinator.grant' : 'coordinator.revoke', p.id, { from: p.role, to });
        await notifyPerson(deps, p.id, 'role_decision', (t) => text(t.t(grant ? 'access:roles.you_coordinator' : 'access:roles.you_coordinator_revoked')));
        await refreshMenus(deps, p.id);
        return card(ctx, id, tr.t('access:roles.role_changed', { name: p.name, role: roleName(tr, to) }));
      },
    },
  ];

  return { commands, actions, onRoleRequested };
}

export function rank(role: Role): number {
  return { guest: 0, expert: 1, mediator: 1, coordinator: 2, admin: 3 }[role];
}
