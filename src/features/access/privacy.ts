import { sql } from 'kysely';
import { anyone, MEMBER_ROLES, privateChat } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { flowChoice, type FlowDef } from '../../core/flows.ts';
import { join, type Markup } from '../../core/markup.ts';
import { commandAction, type CommandDef } from '../../core/router.ts';
import { type Choice, type Reply, text } from '../../core/types.ts';
import type { FeatureDeps } from '../deps.ts';
import { AUDIT_RETENTION_DAYS, type AuditLog } from './audit.ts';
import { INVITE_TTL_DAYS, LINK_CODE_TTL_MS } from './codes.ts';
import { erasePerson, exportPerson } from './personal.ts';
import { DELIVERY_RECORD_DAYS, INACTIVE_GUEST_DAYS } from './retention.ts';

export const FORGET_FLOW = 'access_forget';

type ForgetState = { step: 'confirm' };

export interface PrivacyDeps {
  deps: FeatureDeps;
  audit: AuditLog;
}

/**
 * `/privacy` (what is stored, why, for how long), `/mydata` (all of it as a JSON file) and `/forget` (erase it,
 * after a confirmation; idea lists stay in reports without the name). Every feature's personal data takes part
 * through its `personalData` hook, so a new table cannot be forgotten by /mydata or /forget without a test failing.
 */
export function privacyPart({ deps, audit }: PrivacyDeps): { commands: CommandDef[]; flow: FlowDef<ForgetState> } {
  const { db } = deps;

  const privacy = async (ctx: Ctx): Promise<Reply[]> => {
    const { tr } = ctx;
    const body = tr.t('access:privacy.text', {
      linkMinutes: LINK_CODE_TTL_MS / 60_000,
      inviteDays: INVITE_TTL_DAYS,
      auditMonths: Math.round(AUDIT_RETENTION_DAYS / 30.4),
      deliveryDays: DELIVERY_RECORD_DAYS,
      guestMonths: Math.round(INACTIVE_GUEST_DAYS / 30.4),
    });
    const { controller, contact } = deps.config.privacy;
    const who = controller && contact ? tr.t('access:privacy.controller', { controller, contact }) : tr.t('access:privacy.controller_missing');
    const lines: Markup[] = [who, body, tr.t('access:privacy.complaint')];
    const choices: Choice[][] = [
      [
        { label: tr.plain('access:privacy.button_mydata'), action: commandAction('mydata') },
        { label: tr.plain('access:privacy.button_forget'), action: commandAction('forget') },
      ],
    ];
    if (MEMBER_ROLES.includes(ctx.person.role)) {
      const row = await db.selectFrom('persons').select('directory_optin').where('id', '=', ctx.person.id).executeTakeFirst();
      const listed = row?.directory_optin === 1;
      lines.push(tr.t(listed ? 'access:contacts.you_listed' : 'access:contacts.you_not_listed'));
      choices.push([listed ? { label: tr.plain('access:contacts.optout'), action: 'access:dir:off' } : { label: tr.plain('access:contacts.optin'), action: 'access:dir:on' }]);
    }
    return [text(join(lines, '\n\n'), choices)];
  };

  const mydata = async (ctx: Ctx): Promise<Reply[]> => {
    const { tr } = ctx;
    if (!ctx.caps.files) return [text(tr.t('access:privacy.no_files'))];
    const data = await exportPerson(db, deps.registry, ctx.person.id);
    const doc = {
      generatedAt: ctx.now.toISOString(),
      about: tr.plain('access:privacy.file_about'),
      you: { id: ctx.person.id, account: ctx.person.identityKey, effectiveRole: ctx.person.role },
      ...data,
    };
    await audit.byCtx(ctx, 'data.export', ctx.person.id);
    return [
      {
        kind: 'file',
        file: { name: 'mydata.json', mime: 'application/json', data: new TextEncoder().encode(JSON.stringify(doc, null, 2)) },
        caption: tr.t('access:privacy.mydata_caption'),
        personal: true,
      },
    ];
  };

  const flow: FlowDef<ForgetState> = {
    name: FORGET_FLOW,
    access: [privateChat],
    ttlMs: 60 * 60 * 1000,
    async start(ctx) {
      return {
        replies: [
          text(ctx.tr.t('access:privacy.forget_confirm'), [
            [flowChoice(ctx.tr.plain('access:privacy.forget_yes'), 'yes'), flowChoice(ctx.tr.plain('access:privacy.forget_no'), 'no')],
          ]),
        ],
        state: { step: 'confirm' },
      };
    },
    async input(ctx, _state, input) {
      const v = input.type === 'choice' ? input.value : undefined;
      if (v === 'yes') {
        const accounts = await db.selectFrom('identities').select('key').where('person_id', '=', ctx.person.id).execute();
        await db.transaction().execute(async (trx) => {
          await erasePerson(trx, deps.registry, ctx.person.id);
          // Who erased is gone with the erasure; what remains is that a person of this role was erased, and when.
          await audit.record({ actor: null, actorRole: ctx.person.role, action: 'data.erase', details: { accounts: accounts.length } }, trx, ctx.now);
        });
        // SQLite's write-ahead log still holds earlier copies of the pages until a checkpoint: fold it into the
        // database (where secure_delete has zeroed the freed content) and empty it.
        if (deps.dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(deps.db).catch((err) => deps.log.warn({ err }, 'checkpoint after erasure failed'));
        // No buttons: there is nobody left to remember them for.
        return { replies: [text(ctx.tr.t('access:privacy.forgotten'))], done: true };
      }
      if (v === 'no') return { replies: [text(ctx.tr.t('access:privacy.kept'))], done: true };
      return {
        replies: [
          text(ctx.tr.t('access:privacy.forget_confirm'), [
            [flowChoice(ctx.tr.plain('access:privacy.forget_yes'), 'yes'), flowChoice(ctx.tr.plain('access:privacy.forget_no'), 'no')],
          ]),
        ],
        state: { step: 'confirm' },
      };
    },
  };

  const commands: CommandDef[] = [
    { name: 'privacy', access: [anyone], description: 'access:commands.privacy', handle: privacy },
    { name: 'mydata', access: [anyone, privateChat], description: 'access:commands.mydata', handle: mydata },
    { name: 'forget', access: [anyone, privateChat], description: 'access:commands.forget', handle: (ctx) => ctx.startFlow(FORGET_FLOW) },
  ];

  return { commands, flow };
}
