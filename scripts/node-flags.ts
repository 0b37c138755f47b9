/**
 * The flags node runs the bot with. package.json's `start` and `bench` and deploy/roma-bot.service's ExecStart write
 * them out (test/start/node-flags.test.ts keeps the three in step with this list); the benches that spawn the bot as
 * it runs in production take them from here.
 *
 * `--v8-pool-size=1`: one helper thread for V8 instead of Node's default four. The bot is one event loop; V8's
 * helpers mark and sweep the heap and compile code beside it. On a 2-core server four helpers took both cores during
 * a collection and the event loop waited its turn, 1–5 ms at a time: the commonest cause of the slowest answers
 * (docs/performance.md, ninth round). With one helper, a core stays free for the event loop.
 */
export const NODE_FLAGS: readonly string[] = ['--v8-pool-size=1'];
