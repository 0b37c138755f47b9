export const ROLES = ['guest', 'expert', 'mediator', 'coordinator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}

/** Roles a newcomer may ask for; a coordinator approves them. Coordinators are named by admins only. */
export const REQUESTABLE_ROLES = ['expert', 'mediator'] as const satisfies readonly Role[];
export type RequestableRole = (typeof REQUESTABLE_ROLES)[number];

/** Approved members of the network. */
export const MEMBER_ROLES: readonly Role[] = ['expert', 'mediator', 'coordinator', 'admin'];
export const STAFF_ROLES: readonly Role[] = ['coordinator', 'admin'];

export interface Who {
  role: Role;
  registered: boolean;
  /** Whether answers are seen by the asker only: a private chat, or a group where replies are ephemeral (Discord). */
  chatKind: 'private' | 'group';
}

/**
 * A precondition (Sapphire's idea): a small named check. Commands and actions declare a list of them in one place
 * and the router runs them before any handler, so no handler carries its own access `if`s. A failed check names
 * the locale key that explains it.
 */
export interface Precondition {
  name: string;
  check(who: Who): true | { denied: string };
}

export const anyone: Precondition = { name: 'anyone', check: () => true };

export function roles(allowed: readonly Role[], deniedKey = 'access.denied_role'): Precondition {
  return {
    name: `role(${allowed.join('|')})`,
    check: (who) => (allowed.includes(who.role) ? true : { denied: deniedKey }),
  };
}

export const members = roles(MEMBER_ROLES, 'access.members_only');
export const staff = roles(STAFF_ROLES, 'access.staff_only');
export const admins = roles(['admin'], 'access.admins_only');

export const privateChat: Precondition = {
  name: 'privateChat',
  check: (who) => (who.chatKind === 'private' ? true : { denied: 'access.private_only' }),
};

export function checkAll(preconditions: readonly Precondition[], who: Who): true | { denied: string } {
  for (const p of preconditions) {
    const r = p.check(who);
    if (r !== true) return r;
  }
  return true;
}
