// Bot Connector mode, each outcome of a turn, against the sample bot and the Genesys simulator on loopback.
import t from 'tap'
import { QUEUE_ID, SKILL_ID, botTurn, buildWithBot, newConversationId, postTurn } from './helper.js'

t.test('a confident turn: the bot answer goes back unchanged and is recorded with its intent and confidence', async t => {
  const { app, bot } = await buildWithBot(t)
  const id = newConversationId()
  const res = await postTurn(app, botTurn(id.toUpperCase(), 'Where is my parcel?', { parameters: { locale: 'en' } }))
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    botState: 'MoreData',
    intent: 'order_status',
    confidence: 0.91,
    replyMessages: [{ type: 'Text', text: 'Your order ships tomorrow.' }],
    parameters: { sampleBotTurn: '1' }
  })
  t.equal(bot.state.turns.length, 1)
  const forwarded = bot.state.turns[0] as Record<string, unknown>
  t.equal(forwarded.genesysConversationId, id.toUpperCase(), 'the turn reaches the bot as Genesys sent it')
  t.same(forwarded.parameters, { locale: 'en' })

  const snapshot = await app.historyStore.get(id)
  t.equal(snapshot?.history.length, 1, 'recorded under the lower-cased conversation id')
  t.match(snapshot?.history[0], { event: 'botconnector.turn', intent: { intent: 'order_status', confidence: 0.91 }, text: 'Where is my parcel?' })
  t.equal(snapshot?.handoff.state, 'none')
})

t.test('a low-confidence turn hands off: Complete, the handoff intent, the bot reply and the routing parameters', async t => {
  const { app, bot, sim } = await buildWithBot(t, { envOverrides: { HANDOFF_PRIORITY: '7', HANDOFF_LANGUAGE_ID: 'lang-en' } })
  const id = newConversationId()
  t.equal((await postTurn(app, botTurn(id, 'Hello'))).json().botState, 'MoreData')
  const res = await postTurn(app, botTurn(id, 'You charged card 4111 1111 1111 1111 twice, mail jo@example.com'))
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.botState, 'Complete')
  t.equal(body.intent, 'handoff')
  t.same(body.replyMessages, [{ type: 'Text', text: 'Let me look into that charge.' }], "the bot's own reply is kept")
  const p = body.parameters as Record<string, string>
  t.equal(p.sampleBotTurn, '2', "the bot's parameters are kept")
  t.equal(p.handoffQueueId, QUEUE_ID)
  t.equal(p.handoffSkillIds, SKILL_ID)
  t.equal(p.handoffPriority, '7')
  t.equal(p.handoffLanguageId, 'lang-en')
  t.equal(p.handoffReason, 'confidence_below_threshold')
  t.match(p.handoffSummary, /^intent 'billing_dispute' confidence 0\.41 is below threshold 0\.75; 2 turns; last: Hello \| You charged card \[card\] twice, mail \[email\]$/)
  t.notMatch(JSON.stringify(body), /4111|jo@example/, 'the summary is masked')
  for (const value of Object.values(p)) t.type(value, 'string', 'parameters are a string map')
  t.equal(bot.state.turns.length, 2)

  const snapshot = await app.historyStore.get(id)
  t.equal(snapshot?.handoff.state, 'done')
  t.match(snapshot?.handoff.details, { strategy: 'flow', queueId: QUEUE_ID, skillIds: [SKILL_ID], priority: 7, reason: 'confidence_below_threshold' })
  t.equal(sim.state.calls.length, 0, 'no Platform API call although HANDOFF_STRATEGY is platform-api')
  t.equal(sim.state.tokenRequests, 0, 'no OAuth token')
})

t.test('every later turn of a handed-off conversation gets Complete/handoff again without calling the bot', async t => {
  const { app, bot } = await buildWithBot(t)
  const id = newConversationId()
  const first = (await postTurn(app, botTurn(id, 'I want a refund'))).json()
  t.equal(first.intent, 'handoff')
  const { sampleBotTurn, ...routing } = first.parameters
  t.equal(sampleBotTurn, '1')
  for (const text of ['Hello?', 'Where is my parcel?', 'hi']) {
    const later = (await postTurn(app, botTurn(id, text))).json()
    t.equal(later.botState, 'Complete')
    t.equal(later.intent, 'handoff')
    t.notOk(later.replyMessages, 'nothing from the bot')
    t.same(later.parameters, routing, 'the same routing parameters')
  }
  t.equal(bot.state.turns.length, 1, 'the bot was asked only before the handoff')
  const snapshot = await app.historyStore.get(id)
  t.same(snapshot?.history.map(h => h.text), ['I want a refund', 'Hello?', 'Where is my parcel?', 'hi'], 'later turns are recorded too')
})

t.test('a handoff without skills or priority leaves those parameters out or empty', async t => {
  const { app } = await buildWithBot(t, { envOverrides: { HANDOFF_SKILL_ID: '', HANDOFF_PRIORITY: '' } })
  const p = (await postTurn(app, botTurn(newConversationId(), 'dispute this bill'))).json().parameters
  t.equal(p.handoffSkillIds, '')
  t.notOk('handoffPriority' in p, 'absent: the queue default')
  t.notOk('handoffLanguageId' in p)
})

t.test('the bot asking for the handoff intent itself hands off with the routing parameters', async t => {
  const { app } = await buildWithBot(t)
  const id = newConversationId()
  const body = (await postTurn(app, botTurn(id, 'Can I talk to a human please'))).json()
  t.equal(body.botState, 'Complete')
  t.equal(body.intent, 'handoff')
  t.same(body.replyMessages, [{ type: 'Text', text: 'Sure, let me find someone for you.' }])
  t.equal(body.parameters.handoffReason, 'bot_requested_handoff', 'although its confidence (0.99) meets the threshold')
  t.equal(body.parameters.handoffQueueId, QUEUE_ID)
  t.equal((await app.historyStore.get(id))?.handoff.state, 'done')
})

t.test('a bot finishing with its own intent is passed through; a custom HANDOFF_INTENT is used and listed', async t => {
  const { app } = await buildWithBot(t, { envOverrides: { HANDOFF_INTENT: 'agent_transfer' } })
  const done = (await postTurn(app, botTurn(newConversationId(), 'thanks, bye'))).json()
  t.same(done, { botState: 'Complete', intent: 'goodbye', confidence: 0.95, replyMessages: [{ type: 'Text', text: 'Glad I could help. Bye!' }], parameters: { sampleBotTurn: '1' } })
  const handoff = (await postTurn(app, botTurn(newConversationId(), 'refund please'))).json()
  t.equal(handoff.intent, 'agent_transfer')
  const list = await app.inject({ url: '/botconnector/bots', headers: { 'x-bot-connector-secret': 'test-bot-connector-secret-4d3c2b1a' } })
  t.ok(list.json().entities[0].versions[0].intents.some((i: { name: string }) => i.name === 'agent_transfer'))
})

t.test('a redelivered turn (same messageId) is recorded once and answered the same way', async t => {
  const { app } = await buildWithBot(t)
  const id = newConversationId()
  const turn = botTurn(id, 'Where is my parcel?')
  const a = await postTurn(app, turn)
  const b = await postTurn(app, turn)
  t.equal(a.json().intent, 'order_status')
  t.equal(b.json().intent, 'order_status')
  t.equal((await app.historyStore.get(id))?.history.length, 1)
})

t.test('a Structured turn without text is forwarded and recorded as such', async t => {
  const { app, bot } = await buildWithBot(t)
  const id = newConversationId()
  const content = [{ contentType: 'QuickReply', quickReply: { text: 'Yes', payload: 'yes' } }]
  const res = await postTurn(app, botTurn(id, '', { inputMessage: { type: 'Structured', content } }))
  t.equal(res.statusCode, 200)
  t.same((bot.state.turns[0] as { inputMessage: unknown }).inputMessage, { type: 'Structured', content })
  t.equal((await app.historyStore.get(id))?.history[0]?.text, '[structured message]')
})

t.test('decisions and turns are counted in the metrics', async t => {
  const { app } = await buildWithBot(t)
  const id = newConversationId()
  await postTurn(app, botTurn(id, 'hello'))
  await postTurn(app, botTurn(id, 'refund'))
  await postTurn(app, botTurn(id, 'hello?'))
  const text = (await app.inject({ url: '/metrics' })).body
  t.match(text, /handoff_botconnector_turns_total\{outcome="bot_continuing"\} 1/)
  t.match(text, /handoff_botconnector_turns_total\{outcome="handoff_initiated"\} 1/)
  t.match(text, /handoff_botconnector_turns_total\{outcome="handed_off"\} 1/)
  t.match(text, /bot_request_duration_seconds_count\{operation="messages",outcome="ok"\} 2/)
  t.match(text, /handoff_decisions_total\{action="HANDOFF",intent="billing_dispute"\} 1/)
})
