import { createRequire } from 'node:module';

type NodeCron = typeof import('node-cron');

let loaded: NodeCron | undefined;

/**
 * node-cron, loaded the first time a schedule is checked or started rather than with the bot: it loads Node's
 * child_process (for tasks it can run in a child process, which the bot does not use), and both together were a few
 * ms of every start before the first answer (issue 17). Required at run time, so the bundle leaves it in node_modules.
 */
export function nodeCron(): NodeCron {
  return (loaded ??= createRequire(import.meta.url)('node-cron') as NodeCron);
}
