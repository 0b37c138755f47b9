import { GrammyError, HttpError } from 'grammy';
import { DeliveryError, type DeliveryFailure } from '../../src/core/adapter.ts';

/**
 * Telegram's answers as the delivery worker needs them. Blocked, deactivated, kicked or a chat that no longer
 * exists will never work again: unreachable, no retry. A group upgraded to a supergroup has moved (the new id comes
 * with the answer). 429 carries the server's delay. 5xx and network trouble
 * may pass. Anything else is this message's own fault (bad markup, too long): failed.
 */
export function classifyTelegramError(err: unknown): DeliveryFailure {
  if (err instanceof DeliveryError) return err.failure;
  if (err instanceof GrammyError) {
    const d = err.description;
    // A group upgraded to a supergroup: the old id is dead, the new one is in the answer.
    const movedTo = err.parameters.migrate_to_chat_id;
    if (movedTo !== undefined) return { kind: 'moved', reason: d, chatId: String(movedTo) };
    if (err.error_code === 429) {
      const after = err.parameters.retry_after;
      return { kind: 'retry', reason: d, ...(after !== undefined ? { retryAfterMs: after * 1000 } : {}) };
    }
    if (err.error_code >= 500) return { kind: 'retry', reason: d };
    if (err.error_code === 403) return { kind: 'unreachable', reason: d };
    if (err.error_code === 400 && /chat not found|user not found|chat_write_forbidden|have no rights|PEER_ID_INVALID|group chat was upgraded|bot was kicked/i.test(d)) {
      return { kind: 'unreachable', reason: d };
    }
    return { kind: 'failed', reason: `${err.error_code}: ${d}` };
  }
  if (err instanceof HttpError) return { kind: 'retry', reason: `network: ${String(err.error)}` };
  return { kind: 'retry', reason: err instanceof Error ? err.message : String(err) };
}
