// A sample downstream bot speaking Digital Bot Connector v2 (GET …/bots, GET …/bots/:id, POST …/messages), for
// the demo, local trials and the tests: each customer text gets a scripted intent, confidence and reply.
// Faults (slow, 5xx, garbage, cut connections) can be injected, and every call is counted.
import Fastify, { type FastifyInstance } from 'fastify'

export interface ScriptLine {
  match: RegExp
  intent: string
  confidence: number
  reply: string
  /** default MoreData */
  botState?: 'Complete' | 'MoreData' | 'Failed'
}

export interface BotFault {
  /** answer with this status instead */
  status?: number
  /** wait this long before answering */
  latencyMs?: number
  /** answer 200 with a body that is not a Bot Connector answer */
  garbage?: boolean
  /** close the connection without answering */
  hangUp?: boolean
  /** how many calls it affects (default 1) */
  times?: number
}

export interface SampleBotOptions {
  script?: ScriptLine[]
  /** the header the caller must send (none: open) */
  secret?: { header: string, value: string }
  botId?: string
  /** intents listed beside the script's */
  extraIntents?: string[]
}

export const SAMPLE_BOT_ID = 'support-bot'

export const DEFAULT_SCRIPT: ScriptLine[] = [
  { match: /\b(agent|human|person|someone)\b/i, intent: 'handoff', confidence: 0.99, reply: 'Sure, let me find someone for you.', botState: 'Complete' },
  { match: /\b(refund|charged?|dispute|bill(ing)?)\b/i, intent: 'billing_dispute', confidence: 0.41, reply: 'Let me look into that charge.' },
  { match: /\b(order|deliver(ed|y)?|track(ing)?|parcel)\b/i, intent: 'order_status', confidence: 0.91, reply: 'Your order ships tomorrow.' },
  { match: /\b(hi|hello|hey)\b/i, intent: 'greeting', confidence: 0.97, reply: 'Hi! How can I help?' },
  { match: /\b(bye|thanks|thank you)\b/i, intent: 'goodbye', confidence: 0.95, reply: 'Glad I could help. Bye!', botState: 'Complete' }
]
const FALLBACK = { intent: 'unknown', confidence: 0.3, reply: 'Sorry, I did not get that.' }

export class SampleBotState {
  /** every POST …/messages body received, in order */
  readonly turns: unknown[] = []
  listCalls = 0
  private readonly faults: BotFault[] = []

  addFault (fault: BotFault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 })
  }

  takeFault (): BotFault | undefined {
    const fault = this.faults[0]
    if (fault === undefined) return undefined
    fault.times = (fault.times ?? 1) - 1
    if (fault.times <= 0) this.faults.shift()
    return fault
  }

  reset (): void {
    this.turns.length = 0
    this.faults.length = 0
    this.listCalls = 0
  }
}

export interface SampleBot {
  app: FastifyInstance
  state: SampleBotState
}

export function createSampleBot (opts: SampleBotOptions = {}): SampleBot {
  const script = opts.script ?? DEFAULT_SCRIPT
  const botId = opts.botId ?? SAMPLE_BOT_ID
  const state = new SampleBotState()
  const app = Fastify({ logger: false })
  const intents = [...new Set([...script.map(l => l.intent), FALLBACK.intent, ...(opts.extraIntents ?? [])])]
  const bot = {
    id: botId,
    name: 'Sample support bot',
    description: 'Scripted intents and confidences per text (tools/simulator/bot.ts)',
    provider: 'handoff-service sample',
    versions: [{ version: '1', supportedLanguages: ['en-us'], intents: intents.map(name => ({ name, entities: [] })) }]
  }

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/__bot')) return
    if (opts.secret !== undefined && request.headers[opts.secret.header] !== opts.secret.value) {
      return await reply.code(403).send({ message: 'forbidden' })
    }
  })

  app.get('/botconnector/bots', async () => {
    state.listCalls++
    return { entities: [bot] }
  })
  app.get<{ Params: { id: string } }>('/botconnector/bots/:id', async (request, reply) =>
    request.params.id === botId ? bot : await reply.code(404).send({ message: 'no such bot' }))

  app.post('/botconnector/messages', async (request, reply) => {
    state.turns.push(request.body)
    const fault = state.takeFault()
    if (fault?.latencyMs !== undefined) await new Promise(resolve => setTimeout(resolve, fault.latencyMs))
    if (fault?.hangUp === true) {
      request.raw.socket.destroy()
      return await reply.hijack()
    }
    if (fault?.status !== undefined) return await reply.code(fault.status).send({ message: `simulated ${fault.status}` })
    if (fault?.garbage === true) return await reply.send({ state: 'done', text: 'not a Bot Connector answer' })
    const text = (request.body as { inputMessage?: { text?: unknown } } | null)?.inputMessage?.text
    const line = script.find(l => typeof text === 'string' && l.match.test(text)) ?? FALLBACK
    return {
      botState: 'botState' in line && line.botState !== undefined ? line.botState : 'MoreData',
      intent: line.intent,
      confidence: line.confidence,
      replyMessages: [{ type: 'Text', text: line.reply }],
      parameters: { sampleBotTurn: String(state.turns.length) }
    }
  })

  // Test and demo controls.
  app.post<{ Body: BotFault }>('/__bot/faults', async (request, reply) => {
    state.addFault(request.body)
    return await reply.code(204).send()
  })
  app.get('/__bot/turns', async () => state.turns)

  return { app, state }
}

/** Starts the sample bot on loopback; `url` is its Bot Connector URI (what BOT_URL takes). */
export async function startSampleBot (opts: SampleBotOptions & { port?: number, host?: string } = {}): Promise<SampleBot & { url: string }> {
  const bot = createSampleBot(opts)
  const address = await bot.app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' })
  return { ...bot, url: `${address}/botconnector` }
}
