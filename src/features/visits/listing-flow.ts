import { members } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { flowChoice, type FlowDef, type Step } from '../../core/flows.ts';
import { text } from '../../core/types.ts';
import { clip } from '../ideas/common.ts';
import { INSTITUTION_MAX, type RsvpService } from './rsvp.ts';

export const INSTITUTION_FLOW = 'visit_institution';

type State = { visit: string; last: string | null };

/**
 * After an RSVP and the listing question: which institution the person attends for, typed once and offered again
 * as a button at the next visit. The meeting report counts participants by it (and names it beside the names of
 * those who agreed to be listed). Skipping is always possible.
 */
export function institutionFlow(rsvps: RsvpService): FlowDef<State> {
  const done = (ctx: Ctx, institution: string | null): Step<State> => ({
    replies: [text(institution ? ctx.tr.t('visits:listing.institution_saved', { institution }) : ctx.tr.t('visits:listing.institution_skipped'))],
    done: true,
  });
  return {
    name: INSTITUTION_FLOW,
    access: [members],
    async start(ctx, visit) {
      const last = (await rsvps.lastInstitution(ctx.person.id)) ?? null;
      const choices = [
        ...(last ? [[flowChoice(ctx.tr.plain('visits:listing.use_last', { institution: clip(last, 48) }), 'last')]] : []),
        [flowChoice(ctx.tr.plain('visits:listing.skip'), 'skip')],
      ];
      return { replies: [text(ctx.tr.t('visits:listing.ask_institution'), choices)], state: { visit, last }, typing: true };
    },
    async input(ctx, state, input) {
      if (input.type === 'choice') {
        if (input.value === 'last' && state.last) {
          await rsvps.setInstitution(state.visit, ctx.person.id, state.last);
          return done(ctx, state.last);
        }
        return done(ctx, null);
      }
      if (input.type !== 'text') return { replies: [text(ctx.tr.t('visits:listing.type_institution'))], state, typing: true };
      const typed = input.text.replace(/\s+/g, ' ').trim();
      if ([...typed].length < 2 || [...typed].length > INSTITUTION_MAX) {
        return { replies: [text(ctx.tr.t('visits:listing.institution_length', { max: INSTITUTION_MAX }), [[flowChoice(ctx.tr.plain('visits:listing.skip'), 'skip')]])], state, typing: true };
      }
      await rsvps.setInstitution(state.visit, ctx.person.id, typed);
      return done(ctx, typed);
    },
  };
}
