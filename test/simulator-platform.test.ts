// The Genesys simulator behaves like the endpoints it stands in for.
import t from 'tap'
import { CLIENT_ID, CLIENT_SECRET, QUEUE_ID, newConversationId, simulator } from './helper.js'

interface Sim { url: string }

async function token (sim: Sim): Promise<string> {
  const res = await fetch(`${sim.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  return ((await res.json()) as { access_token: string }).access_token
}

function api (sim: Sim, bearer: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number, headers: Headers, json: any }> => {
    const res = await fetch(sim.url + path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, json: text === '' ? null : JSON.parse(text) }
  }
}

t.test('an unknown conversation is created on first read: customer and connected bot flow', async t => {
  const sim = await simulator(t)
  const call = api(sim, await token(sim))
  const id = newConversationId()
  const res = await call('GET', `/api/v2/conversations/messages/${id}`)
  t.equal(res.status, 200)
  t.equal(res.json.id, id)
  t.same(res.json.participants.map((p: { purpose: string, state: string }) => [p.purpose, p.state]), [['customer', 'connected'], ['workflow', 'connected']])
  t.ok(res.headers.get('inin-correlation-id'))
  t.same([...res.headers.keys()].filter(h => h.startsWith('inin-ratelimit')), [], 'Genesys no longer sends inin-ratelimit-* headers')
  t.same(Object.keys(res.json).sort(), ['id', 'participants', 'selfUri'], 'a MessageConversation: no top-level startTime or routingData')
})

t.test('attributes are stored and readable; values must be strings', async t => {
  const sim = await simulator(t)
  const call = api(sim, await token(sim))
  const id = newConversationId()
  const customer = (await call('GET', `/api/v2/conversations/messages/${id}`)).json.participants[0]
  const path = `/api/v2/conversations/messages/${id}/participants/${customer.id}/attributes`
  const first = await call('PATCH', path, { attributes: { a: '1' } })
  t.equal(first.status, 202)
  t.same(first.json, { attributes: { a: '1' } }, 'answers a ParticipantAttributes body')
  const second = await call('PATCH', path, { attributes: { b: '2' } })
  t.equal(second.status, 202)
  t.same(second.json, { attributes: { a: '1', b: '2' } })
  const bad = await call('PATCH', path, { attributes: { c: 3 } })
  t.equal(bad.status, 400)
  t.same(Object.keys(bad.json).sort(), ['code', 'contextId', 'details', 'errors', 'message', 'messageParams', 'status'])
  t.equal(bad.json.contextId, bad.headers.get('inin-correlation-id'))
  t.same((await call('GET', `/api/v2/conversations/messages/${id}`)).json.participants[0].attributes, { a: '1', b: '2' })
  t.equal((await call('PATCH', `/api/v2/conversations/messages/${id}/participants/nope/attributes`, { attributes: {} })).status, 404)
})

t.test('replace/queue answers 202; the conversation is queued after the delay; routing PATCH refused until then', async t => {
  // The simulator's clock, moved by hand: the queue delay passes without waiting for it.
  let clock = Date.parse('2026-01-01T00:00:00Z')
  const sim = await simulator(t, { queueDelayMs: 200, now: () => clock })
  const call = api(sim, await token(sim))
  const id = newConversationId()
  const bot = (await call('GET', `/api/v2/conversations/messages/${id}`)).json.participants[1]
  const transfer = await call('POST', `/api/v2/conversations/${id}/participants/${bot.id}/replace/queue`, { queueId: QUEUE_ID })
  t.equal(transfer.status, 202)
  const early = await call('PATCH', `/api/v2/routing/conversations/${id}`, { skillIds: ['s'], priority: 2 })
  t.equal(early.status, 400)
  t.match(early.json.message, /not waiting in a queue/)
  const again = await call('POST', `/api/v2/conversations/${id}/participants/${bot.id}/replace/queue`, { queueId: QUEUE_ID })
  t.equal(again.status, 400, 'the replaced participant cannot be transferred twice')

  const read = async (): Promise<Array<{ purpose: string, state: string, queue?: { id: string } }>> =>
    (await call('GET', `/api/v2/conversations/messages/${id}`)).json.participants
  clock += 199
  t.notOk((await read()).some(p => p.purpose === 'acd'), 'not queued before the delay has passed')
  clock += 1
  const participants = await read()
  t.same(participants.map(p => [p.purpose, p.state]), [['customer', 'connected'], ['workflow', 'disconnected'], ['acd', 'connected']])
  t.equal(participants[2]?.queue?.id, QUEUE_ID)
  const patch = await call('PATCH', `/api/v2/routing/conversations/${id}`, { skillIds: ['s'], priority: 2, languageId: 'l' })
  t.equal(patch.status, 200)
  t.match(patch.json, { priority: 2, skills: [{ id: 's', name: String, selfUri: '/api/v2/routing/skills/s' }], language: { id: 'l', name: String, selfUri: '/api/v2/routing/languages/l' } },
    'answers a RoutingConversationAttributesResponse, not an echo')
  t.notOk('skillIds' in patch.json)
  const after = await call('GET', `/api/v2/conversations/messages/${id}`)
  const acd = after.json.participants.find((p: { purpose: string }) => p.purpose === 'acd')
  t.match(acd.conversationRoutingData, { queue: { id: QUEUE_ID }, priority: 2, skills: [{ id: 's' }], language: { id: 'l' } }, 'routing data shown on the participant')
})

t.test('ended conversations refuse a transfer', async t => {
  const sim = await simulator(t)
  const call = api(sim, await token(sim))
  const id = newConversationId()
  const conversation = sim.state.createConversation(id, { ended: true })
  const bot = conversation.participants[1]
  const res = await call('POST', `/api/v2/conversations/${id}/participants/${bot?.id ?? ''}/replace/queue`, { queueId: QUEUE_ID })
  t.equal(res.status, 400)
  t.equal(res.json.code, 'conversation.error.conversation.ended')
  t.same((await call('GET', `/api/v2/conversations/messages/${id}`)).json.participants.map((p: { state: string }) => p.state), ['disconnected', 'disconnected'])
})

t.test('429s carry an integer Retry-After; the optional rate limit refuses calls over it', async t => {
  const sim = await simulator(t, { rateLimitPerMinute: 2 })
  const call = api(sim, await token(sim))
  sim.state.addFault({ path: '/api/v2/conversations/messages/', status: 429 })
  const faulted = await call('GET', `/api/v2/conversations/messages/${newConversationId()}`)
  t.equal(faulted.status, 429)
  t.equal(faulted.headers.get('retry-after'), '1')
  t.equal(faulted.json.code, 'too.many.requests.retry.after')
  t.equal(faulted.json.message, 'Rate limit exceeded the maximum. Retry the request in [1] seconds')
  t.equal((await call('GET', `/api/v2/conversations/messages/${newConversationId()}`)).status, 200)
  t.equal((await call('GET', `/api/v2/conversations/messages/${newConversationId()}`)).status, 200)
  const limited = await call('GET', `/api/v2/conversations/messages/${newConversationId()}`)
  t.equal(limited.status, 429)
  t.match(limited.headers.get('retry-after'), /^\d+$/)
  t.equal(limited.json.code, 'too.many.requests.retry.after')
  t.equal(limited.json.message, `Rate limit exceeded the maximum. Retry the request in [${limited.headers.get('retry-after') ?? ''}] seconds`)
  t.equal(limited.json.status, 429)
})

t.test('an after-handling fault lets the call take effect and still answers the error', async t => {
  const sim = await simulator(t, { queueDelayMs: 0 })
  const call = api(sim, await token(sim))
  const id = newConversationId()
  const bot = (await call('GET', `/api/v2/conversations/messages/${id}`)).json.participants[1]
  sim.state.addFault({ method: 'POST', status: 503, afterHandling: true })
  const res = await call('POST', `/api/v2/conversations/${id}/participants/${bot.id}/replace/queue`, { queueId: QUEUE_ID })
  t.equal(res.status, 503)
  t.equal(res.json.status, 503)
  t.equal(sim.state.conversation(id)?.transfer?.queueId, QUEUE_ID)
  t.equal(sim.state.calls.at(-1)?.status, 503)
})

t.test('recorded calls keep what the simulator answered', async t => {
  const sim = await simulator(t)
  const call = api(sim, await token(sim))
  const id = newConversationId()
  await call('GET', `/api/v2/conversations/messages/${id}`)
  const recorded = sim.state.calls.at(-1) as { response: { id: string, participants: unknown[] } }
  t.equal(recorded.response.id, id)
  t.equal(recorded.response.participants.length, 2)
})
