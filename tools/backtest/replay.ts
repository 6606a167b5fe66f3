// Replays recorded events through one or two policies with the service's own evaluate(), as the service
// would have decided them: turn by turn, with the conversation's earlier events, and no decision after a
// conversation was handed off. Memory stays flat: each conversation keeps only its turn count and the few
// events the policies look back on, and is folded into the totals once it ends (an export), or once it
// has been idle longer than the service keeps a conversation (events in time order).
import type { Policy } from '../../src/policy/compile.js'
import { evaluate, type PastEvent } from '../../src/policy/evaluate.js'
import type { ReplayEvent } from './input.js'

export interface Handoff {
  turn: number
  ruleId: string
  intent: string
  queueId: string
}

interface Conversation {
  id: string
  turns: number
  /** the newest earlier events, as many as the policies look back on */
  recent: PastEvent[]
  lastAt: number
  /** per policy: where it handed off, or null while the bot carries on */
  handoffs: Array<Handoff | null>
}

export interface PolicyTotals {
  /** events decided (events after a handoff are not) */
  decisions: number
  conversations: number
  handedOff: number
  byRule: Map<string, number>
  /** per intent: events decided with it, and handoffs it triggered */
  intents: Map<string, { decisions: number, handoffs: number }>
  /** handoffs by the turn they happened at */
  handoffTurns: Map<number, number>
}

export type ChangeKind = 'policy_only' | 'compare_only' | 'other_turn' | 'other_target'

export interface Change {
  conversationId: string
  kind: ChangeKind
  turns: number
  policy: Handoff | null
  compare: Handoff | null
}

export interface ReplayOptions {
  /** a conversation idle this long (by its events' timestamps) is complete, ms */
  idleMs: number
  /** every conversation whose outcome differs between the two policies */
  onChange?: (change: Change) => void
}

export class Replay {
  readonly totals: PolicyTotals[]
  readonly changes = new Map<ChangeKind, number>()
  events = 0
  private readonly policies: Policy[]
  private readonly opts: ReplayOptions
  private readonly window: number
  /** open conversations, least recently active first (re-inserted on every event) */
  private readonly open = new Map<string, Conversation>()

  constructor (policies: Policy[], opts: ReplayOptions) {
    this.policies = policies
    this.opts = opts
    this.window = Math.max(0, ...policies.map(p => p.window))
    this.totals = policies.map(() => ({
      decisions: 0, conversations: 0, handedOff: 0, byRule: new Map(), intents: new Map(), handoffTurns: new Map()
    }))
  }

  push (event: ReplayEvent): void {
    this.events++
    if (!Number.isNaN(event.at)) this.closeIdle(event.at)
    let conversation = this.open.get(event.conversationId)
    if (conversation === undefined) {
      conversation = { id: event.conversationId, turns: event.earlierTurns ?? 0, recent: [], lastAt: event.at, handoffs: this.policies.map(() => null) }
    } else {
      this.open.delete(event.conversationId)
    }
    this.open.set(event.conversationId, conversation)
    if (!Number.isNaN(event.at)) conversation.lastAt = event.at

    const input = { intent: { intent: event.intent, confidence: event.confidence }, text: event.text }
    const history = { events: conversation.recent, turns: conversation.turns }
    for (let i = 0; i < this.policies.length; i++) {
      if (conversation.handoffs[i] !== null) continue
      const decision = evaluate(this.policies[i] as Policy, history, input)
      const totals = this.totals[i] as PolicyTotals
      totals.decisions++
      totals.byRule.set(decision.ruleId, (totals.byRule.get(decision.ruleId) ?? 0) + 1)
      let intent = totals.intents.get(decision.intent)
      if (intent === undefined) totals.intents.set(decision.intent, intent = { decisions: 0, handoffs: 0 })
      intent.decisions++
      if (decision.target !== null) {
        intent.handoffs++
        conversation.handoffs[i] = { turn: decision.turn, ruleId: decision.ruleId, intent: decision.intent, queueId: decision.target.queueId }
      }
    }
    conversation.turns++
    if (this.window > 0) {
      conversation.recent.push({ intent: { confidence: event.confidence } })
      if (conversation.recent.length > this.window) conversation.recent.shift()
    }
  }

  /** The conversation is complete: fold it into the totals now. */
  end (conversationId: string): void {
    const conversation = this.open.get(conversationId)
    if (conversation === undefined) return
    this.open.delete(conversationId)
    this.close(conversation)
  }

  /** Closes every open conversation; call once, after the last event. */
  finish (): void {
    for (const conversation of this.open.values()) this.close(conversation)
    this.open.clear()
  }

  private closeIdle (now: number): void {
    for (const conversation of this.open.values()) {
      if (!(now - conversation.lastAt > this.opts.idleMs)) return
      this.open.delete(conversation.id)
      this.close(conversation)
    }
  }

  private close (conversation: Conversation): void {
    conversation.handoffs.forEach((handoff, i) => {
      const totals = this.totals[i] as PolicyTotals
      totals.conversations++
      if (handoff === null) return
      totals.handedOff++
      totals.handoffTurns.set(handoff.turn, (totals.handoffTurns.get(handoff.turn) ?? 0) + 1)
    })
    if (this.policies.length < 2) return
    const [policy = null, compare = null] = conversation.handoffs
    const kind = changeKind(policy, compare)
    if (kind === null) return
    this.changes.set(kind, (this.changes.get(kind) ?? 0) + 1)
    this.opts.onChange?.({ conversationId: conversation.id, kind, turns: conversation.turns, policy, compare })
  }
}

function changeKind (a: Handoff | null, b: Handoff | null): ChangeKind | null {
  if (a === null && b === null) return null
  if (b === null) return 'policy_only'
  if (a === null) return 'compare_only'
  if (a.turn !== b.turn) return 'other_turn'
  return a.queueId !== b.queueId ? 'other_target' : null
}
