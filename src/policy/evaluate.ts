// The escalation decision: a pure function of (policy, conversation history, event). The service, the
// backtest and any other way in call this one function, so what a team tests offline is what runs.
//
// Rules, first match wins (docs/policy.md):
//   1. intent_never        the intent is listed with handoff: never → the bot carries on
//   2. intent_always       the intent is listed with handoff: always → hand off
//   3. human_request       the customer's text holds one of humanRequest.phrases → hand off
//   4. intent_confidence_below_threshold / confidence_below_threshold
//                          confidence under the intent's own threshold, else under the default → hand off
//   5. low_confidence_streak  this and the turns-1 events before it all under softThreshold → hand off
//   6. max_bot_turns       this event is past maxBotTurns.turns → hand off
//   7. confidence_meets_threshold → the bot carries on
// A handoff goes to the rule's own target, else the intent's, else the defaults'.
import type { Policy } from './compile.js'
import { actionOf, explain } from './decision.js'
import type { HistoryEntry } from '../schemas/conversation.js'
import type { Decision, Evidence, PolicyRuleId, RoutingTarget } from '../schemas/decision.js'
import type { MessagingEvent } from '../schemas/messaging.js'

/** The event being decided: missing intent counts as 'unknown', missing confidence as 0. */
export type PolicyEvent = Partial<Pick<MessagingEvent, 'intent' | 'text'>>

/** An earlier event: only its confidence matters to the rules. */
export interface PastEvent {
  intent: Pick<HistoryEntry['intent'], 'confidence'>
}

export interface ConversationHistory {
  /** earlier events of the conversation, oldest first; the last policy.window of them are enough */
  events: readonly PastEvent[]
  /** how many events came before this one (default events.length; more when events is only the tail) */
  turns?: number
}

export const NO_HISTORY: ConversationHistory = Object.freeze({ events: Object.freeze([]) })

/** Why a handoff is made whatever the policy's rules say: the bot asked for it, or it could not answer. */
export interface ForcedHandoff {
  /** stable rule id, e.g. bot_unavailable */
  rule: string
  reason: string
}

/** What every decision on this event shares. */
function facts (policy: Policy, history: ConversationHistory, event: PolicyEvent): {
  intent: string
  confidence: number
  turn: number
  rule: ReturnType<Policy['intentRule']>
  threshold: number
  intentTarget: RoutingTarget
} {
  const intent = event.intent?.intent ?? 'unknown'
  const rule = policy.intentRule(intent)
  return {
    intent,
    confidence: event.intent?.confidence ?? 0,
    turn: (history.turns ?? history.events.length) + 1,
    rule,
    threshold: rule?.threshold ?? policy.threshold,
    intentTarget: rule?.target ?? policy.target
  }
}

/** A handoff the way in decided, not the rules (recorded like any other decision): to where the intent's handoffs go. */
export function forcedDecision (policy: Policy, history: ConversationHistory, event: PolicyEvent, forced: ForcedHandoff): Decision {
  const { intent, confidence, turn, threshold, intentTarget } = facts(policy, history, event)
  return {
    action: 'HANDOFF', intent, confidence, threshold, rule: forced.rule, ruleId: forced.rule, reason: forced.reason, target: intentTarget, policyVersion: policy.version, turn
  }
}

export function evaluate (policy: Policy, history: ConversationHistory, event: PolicyEvent): Decision {
  const { intent, confidence, turn, rule, threshold, intentTarget } = facts(policy, history, event)
  const decided = (ruleId: PolicyRuleId, target: RoutingTarget | null, evidence?: Evidence): Decision => ({
    action: actionOf(ruleId),
    intent,
    confidence,
    threshold,
    rule: ruleId,
    ruleId,
    reason: explain(ruleId, { intent, confidence, threshold, turn, evidence }),
    target: actionOf(ruleId) === 'HANDOFF' ? target : null,
    policyVersion: policy.version,
    turn,
    ...(evidence !== undefined ? { evidence } : {})
  })

  if (rule?.handoff === 'never') return decided('intent_never', null)
  if (rule?.handoff === 'always') return decided('intent_always', intentTarget)

  const { humanRequest, lowConfidenceStreak: streak, maxBotTurns } = policy.spec
  const phrase = policy.phrases?.find(event.text ?? '') ?? null
  if (phrase !== null) return decided('human_request', humanRequest?.target ?? intentTarget, { phrase })

  if (confidence < threshold) {
    return decided(rule?.threshold !== undefined ? 'intent_confidence_below_threshold' : 'confidence_below_threshold', intentTarget)
  }

  if (streak !== null && confidence < streak.softThreshold) {
    let run = 1
    const { events } = history
    for (let i = events.length - 1; i >= 0 && run < streak.turns; i--) {
      if (!((events[i] as PastEvent).intent.confidence < streak.softThreshold)) break
      run++
    }
    if (run >= streak.turns) {
      return decided('low_confidence_streak', streak.target ?? intentTarget, { run, softThreshold: streak.softThreshold })
    }
  }

  if (maxBotTurns !== null && turn > maxBotTurns.turns) {
    return decided('max_bot_turns', maxBotTurns.target ?? intentTarget, { limit: maxBotTurns.turns })
  }

  return decided('confidence_meets_threshold', null)
}
