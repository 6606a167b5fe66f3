// The client to the team's bot at the HTTP level (undici MockAgent): what it sends, what it accepts.
import t from 'tap'
import { MockAgent } from 'undici'
import { BotCallError, BotClient } from '../src/botconnector/client.js'
import { Telemetry } from '../src/telemetry.js'
import { botTurn, newConversationId } from './helper.js'
import type { BotConnectorRequest } from '../src/schemas/botconnector.js'

const ORIGIN = 'http://bot.test:8080'

function setup (t: { teardown: (fn: () => unknown) => void }, secret: { header: string, secret: string } | null = null): { agent: MockAgent, client: BotClient, outcomes: string[] } {
  const agent = new MockAgent()
  agent.disableNetConnect()
  const telemetry = new Telemetry()
  const outcomes: string[] = []
  telemetry.subscribe('botCall', ({ outcome }) => { outcomes.push(outcome) })
  const client = new BotClient({ baseUrl: `${ORIGIN}/v2/botconnector`, timeoutMs: 200, maxConnections: 2, secret, dispatcher: agent, telemetry })
  t.teardown(async () => { await client.close() })
  return { agent, client, outcomes }
}

const turn = (): BotConnectorRequest => botTurn(newConversationId(), 'hi') as unknown as BotConnectorRequest

t.test('forwards the turn unchanged below the Bot Connector URI, with the bot secret header', async t => {
  const { agent, client, outcomes } = setup(t, { header: 'x-bot-secret', secret: 'bot-secret-7a6b5c4d' })
  const request = turn()
  const sent: { body?: unknown, headers: Record<string, string> } = { headers: {} }
  agent.get(ORIGIN).intercept({ path: '/v2/botconnector/messages', method: 'POST' }).reply(200, (opts) => {
    sent.body = JSON.parse(String(opts.body))
    sent.headers = opts.headers as Record<string, string>
    return { botState: 'MoreData', intent: 'greeting', confidence: 0.9 }
  })
  const answer = await client.message(request, 'req-1')
  t.same(answer, { botState: 'MoreData', intent: 'greeting', confidence: 0.9 })
  t.same(sent.body, request)
  t.equal(sent.headers['x-bot-secret'], 'bot-secret-7a6b5c4d')
  t.equal(sent.headers['content-type'], 'application/json')
  t.equal(sent.headers['x-request-id'], 'req-1')
  t.same(outcomes, ['ok'])
  agent.assertNoPendingInterceptors()
})

t.test('no secret configured: none sent', async t => {
  const { agent, client } = setup(t)
  let headers: Record<string, string> = {}
  agent.get(ORIGIN).intercept({ path: '/v2/botconnector/bots', method: 'GET' }).reply(200, (opts) => {
    headers = opts.headers as Record<string, string>
    return { entities: [] }
  })
  t.same(await client.bots(), { entities: [] })
  t.notOk(Object.keys(headers).some(h => h.includes('secret')))
})

t.test('failures are classified and never retried (a bot turn is not safe to repeat)', async t => {
  const cases: Array<[string, (agent: MockAgent) => void, string, RegExp]> = [
    ['5xx', a => { a.get(ORIGIN).intercept({ path: '/v2/botconnector/messages', method: 'POST' }).reply(502, 'bad gateway') }, 'status', /bot answered 502/],
    ['not JSON', a => { a.get(ORIGIN).intercept({ path: '/v2/botconnector/messages', method: 'POST' }).reply(200, '<html>') }, 'invalid', /not JSON/],
    ['wrong shape', a => { a.get(ORIGIN).intercept({ path: '/v2/botconnector/messages', method: 'POST' }).reply(200, { botState: 'Maybe' }) }, 'invalid', /\/botState/],
    ['Complete without intent', a => { a.get(ORIGIN).intercept({ path: '/v2/botconnector/messages', method: 'POST' }).reply(200, { botState: 'Complete' }) }, 'invalid', /without an intent/],
    ['too large', a => { a.get(ORIGIN).intercept({ path: '/v2/botconnector/messages', method: 'POST' }).reply(200, { botState: 'MoreData', replyMessages: [{ type: 'Text', text: 'x'.repeat(300_000) }] }) }, 'invalid', /more than 262144 bytes/],
    ['slow', a => { a.get(ORIGIN).intercept({ path: '/v2/botconnector/messages', method: 'POST' }).reply(200, { botState: 'MoreData' }).delay(1000) }, 'timeout', /within 200 ms/],
    ['connection error', a => { a.get(ORIGIN).intercept({ path: '/v2/botconnector/messages', method: 'POST' }).replyWithError(new Error('socket hang up')) }, 'error', /bot unreachable/]
  ]
  for (const [name, arrange, outcome, message] of cases) {
    const { agent, client, outcomes } = setup(t)
    arrange(agent)
    const err = await client.message(turn()).then(() => null, (e: unknown) => e)
    t.type(err, BotCallError, name)
    t.equal((err as BotCallError).outcome, outcome, name)
    t.match((err as BotCallError).message, message, name)
    t.same(outcomes, [outcome], `${name}: counted once, no retry`)
    agent.assertNoPendingInterceptors()
  }
})

t.test('the bot list is checked too', async t => {
  const { agent, client } = setup(t)
  agent.get(ORIGIN).intercept({ path: '/v2/botconnector/bots', method: 'GET' }).reply(200, { entities: [{ id: 'b', name: 'B', versions: [] }] })
  await t.rejects(client.bots(), /bot answered an invalid Bot Connector body: \/entities\/0\/versions/)
})
