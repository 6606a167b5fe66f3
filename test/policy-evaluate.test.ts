// The escalation decision as a pure function: each rule, the order they run in, the routing target each
// picks, and the default policy giving exactly the single-threshold answers.
import t from 'tap'
import fc from 'fast-check'
import { compilePolicy, defaultPolicy } from '../src/policy/compile.js'
import { NO_HISTORY, evaluate, type ConversationHistory } from '../src/policy/evaluate.js'
import { PhraseMatcher } from '../src/policy/phrases.js'
import type { PolicyDefaults, PolicyFile } from '../src/schemas/policy.js'

const defaults: PolicyDefaults = { threshold: 0.75, target: { queueId: 'general', skillIds: ['s-general'], priority: null, languageId: null } }
const BILLING = { queueId: 'billing', skillIds: ['s-billing'] }

const file: PolicyFile = {
  intents: {
    'billing_*': { threshold: 0.8, target: BILLING },
    billing_refund: { threshold: 0.9 },
    speak_to_agent: { handoff: 'always' },
    complaint: { handoff: 'always', target: { priority: 10 } },
    greeting: { handoff: 'never' }
  },
  humanRequest: { phrases: ['agent', 'real person', 'Talk to someone'] },
  lowConfidenceStreak: { turns: 3, softThreshold: 0.85 },
  maxBotTurns: { turns: 5, target: { queueId: 'long-conversations' } }
}
const policy = compilePolicy(file, defaults, 'test.yaml')

const past = (...confidences: number[]): ConversationHistory => ({ events: confidences.map(confidence => ({ intent: { confidence } })) })
const event = (intent: string, confidence: number, text = ''): { intent: { intent: string, confidence: number }, text: string } =>
  ({ intent: { intent, confidence }, text })

t.test('the default policy answers exactly as the single threshold did', async t => {
  const p = defaultPolicy(defaults)
  const below = evaluate(p, NO_HISTORY, { intent: { intent: 'billing', confidence: 0.74 } })
  t.same(below, {
    action: 'HANDOFF',
    intent: 'billing',
    confidence: 0.74,
    threshold: 0.75,
    rule: 'confidence_below_threshold',
    ruleId: 'confidence_below_threshold',
    reason: "intent 'billing' confidence 0.74 is below threshold 0.75",
    target: defaults.target,
    policyVersion: p.version,
    turn: 1
  })
  const meets = evaluate(p, NO_HISTORY, { intent: { intent: 'billing', confidence: 0.75 } })
  t.equal(meets.action, 'CONTINUE_BOT')
  t.equal(meets.rule, 'confidence_meets_threshold')
  t.equal(meets.reason, "intent 'billing' confidence 0.75 meets threshold 0.75")
  t.equal(meets.target, null)
  const none = evaluate(p, NO_HISTORY, {})
  t.match(none, { action: 'HANDOFF', intent: 'unknown', confidence: 0 })
  // History and text change nothing without rules that read them.
  fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 60 }), fc.string(), (c, earlier, text) => {
    const d = evaluate(p, past(...earlier), { intent: { intent: 'x', confidence: c }, text: `${text} agent human` })
    return d.action === (c < 0.75 ? 'HANDOFF' : 'CONTINUE_BOT') && d.turn === earlier.length + 1
  }))
})

t.test('intent_never keeps the bot whatever else holds', async t => {
  const d = evaluate(policy, past(0.1, 0.1, 0.1, 0.1, 0.1, 0.1), event('greeting', 0.05, 'get me an agent'))
  t.match(d, { action: 'CONTINUE_BOT', ruleId: 'intent_never', target: null, turn: 7 })
  t.equal(d.reason, "intent 'greeting' never hands off")
})

t.test('intent_always hands off at any confidence, to the intent target', async t => {
  t.match(evaluate(policy, NO_HISTORY, event('speak_to_agent', 0.99)), { action: 'HANDOFF', ruleId: 'intent_always', target: defaults.target })
  const complaint = evaluate(policy, NO_HISTORY, event('complaint', 1))
  t.same(complaint.target, { ...defaults.target, priority: 10 }, 'the intent target falls back field by field')
})

t.test('human_request: phrases, any case, whole words only', async t => {
  const asks = ['I want an AGENT', 'agent?', 'Agent!!!', 'can I talk to a real   person', 'let me talk to someone now', 'un agent, por favor']
  for (const text of asks) {
    t.match(evaluate(policy, NO_HISTORY, event('order_status', 0.99, text)), { action: 'HANDOFF', ruleId: 'human_request' }, text)
  }
  const not = ['our agents are great', 'reagent', 'agentic workflows', 'a real personal touch', 'talk to some one', '']
  for (const text of not) {
    t.match(evaluate(policy, NO_HISTORY, event('order_status', 0.99, text)), { action: 'CONTINUE_BOT', ruleId: 'confidence_meets_threshold' }, JSON.stringify(text))
  }
  const d = evaluate(policy, NO_HISTORY, event('billing_question', 0.99, 'Real Person please'))
  t.equal(d.reason, "the customer asked for a human ('real person')")
  t.equal(d.target?.queueId, 'billing', 'without a rule target, the intent target')
})

t.test('thresholds: per intent (exact before prefix), then the default', async t => {
  const billing = evaluate(policy, NO_HISTORY, event('billing_question', 0.79))
  t.match(billing, { action: 'HANDOFF', ruleId: 'intent_confidence_below_threshold', threshold: 0.8 })
  t.same(billing.target, { queueId: 'billing', skillIds: ['s-billing'], priority: null, languageId: null })
  t.equal(billing.reason, "intent 'billing_question' confidence 0.79 is below its threshold 0.8")
  t.match(evaluate(policy, NO_HISTORY, event('billing_question', 0.8)), { action: 'CONTINUE_BOT', threshold: 0.8 })
  t.match(evaluate(policy, NO_HISTORY, event('billing_refund', 0.85)), { action: 'HANDOFF', threshold: 0.9 }, 'the exact entry wins over the prefix')
  t.equal(evaluate(policy, NO_HISTORY, event('billing_refund', 0.85)).target?.queueId, 'general', 'the exact entry has no target of its own')
  t.match(evaluate(policy, NO_HISTORY, event('order_status', 0.74)), { action: 'HANDOFF', ruleId: 'confidence_below_threshold', threshold: 0.75 })
  t.match(evaluate(policy, NO_HISTORY, event('constructor', 0.8)), { action: 'CONTINUE_BOT', threshold: 0.75 }, 'no prototype lookups')
})

t.test('low_confidence_streak: N in a row under the soft threshold, each above the hard one', async t => {
  t.match(evaluate(policy, past(0.8, 0.84), event('order_status', 0.8)), { action: 'HANDOFF', ruleId: 'low_confidence_streak' })
  t.equal(evaluate(policy, past(0.8, 0.84), event('order_status', 0.8)).reason, '3 events in a row below the soft threshold 0.85')
  t.match(evaluate(policy, past(0.8), event('order_status', 0.8)), { action: 'CONTINUE_BOT' }, 'two are not enough')
  t.match(evaluate(policy, past(0.8, 0.9, 0.8), event('order_status', 0.8)), { action: 'CONTINUE_BOT' }, 'a confident turn breaks the run')
  t.match(evaluate(policy, past(0.8, 0.8), event('order_status', 0.85)), { action: 'CONTINUE_BOT' }, 'equal to the soft threshold is not under it')
  t.equal(evaluate(policy, past(0.8, 0.8), event('billing_question', 0.82)).target?.queueId, 'billing', 'the intent target')
})

t.test('max_bot_turns counts every earlier event, also those outside the history window', async t => {
  t.match(evaluate(policy, past(0.9, 0.9, 0.9, 0.9), event('order_status', 0.95)), { action: 'CONTINUE_BOT', turn: 5 })
  const sixth = evaluate(policy, past(0.9, 0.9, 0.9, 0.9, 0.9), event('order_status', 0.95))
  t.match(sixth, { action: 'HANDOFF', ruleId: 'max_bot_turns', turn: 6, reason: 'turn 6 is past the limit of 5 bot turns' })
  t.equal(sixth.target?.queueId, 'long-conversations', 'the rule target')
  t.same(sixth.target?.skillIds, ['s-general'], 'the rest from the defaults')
  t.match(evaluate(policy, { events: [], turns: 40 }, event('order_status', 0.95)), { ruleId: 'max_bot_turns', turn: 41 })
})

t.test('rule order: the first rule that matches decides', async t => {
  // Each case matches its rule and every later one.
  const cases: Array<[string, ConversationHistory, ReturnType<typeof event>]> = [
    ['intent_never', past(0.1, 0.1, 0.1, 0.1, 0.1), event('greeting', 0.1, 'agent')],
    ['intent_always', past(0.1, 0.1, 0.1, 0.1, 0.1), event('speak_to_agent', 0.1, 'agent')],
    ['human_request', past(0.8, 0.8, 0.8, 0.8, 0.8), event('order_status', 0.1, 'agent')],
    ['intent_confidence_below_threshold', past(0.8, 0.8, 0.8, 0.8, 0.8), event('billing_question', 0.7)],
    ['confidence_below_threshold', past(0.8, 0.8, 0.8, 0.8, 0.8), event('order_status', 0.7)],
    ['low_confidence_streak', past(0.8, 0.8, 0.8, 0.8, 0.8), event('order_status', 0.8)],
    ['max_bot_turns', past(0.9, 0.9, 0.9, 0.9, 0.9), event('order_status', 0.9)],
    ['confidence_meets_threshold', past(0.9), event('order_status', 0.9)]
  ]
  for (const [rule, history, e] of cases) t.equal(evaluate(policy, history, e).ruleId, rule)
})

t.test('the version is a hash of the effective policy', async t => {
  t.equal(policy.version, compilePolicy(structuredClone(file), defaults, 'elsewhere.json').version, 'not of the source')
  t.match(policy.version, /^[0-9a-f]{12}$/)
  t.not(policy.version, compilePolicy({ ...file, maxBotTurns: { turns: 6 } }, defaults, 'x').version)
  t.not(defaultPolicy(defaults).version, defaultPolicy({ ...defaults, threshold: 0.7 }).version)
  t.equal(compilePolicy({}, defaults, 'x').version, defaultPolicy(defaults).version, 'an empty file is the defaults')
  const reordered = compilePolicy({ humanRequest: { phrases: ['Talk to someone', 'real  person', 'agent', 'AGENT'] } }, defaults, 'x')
  t.equal(reordered.version, compilePolicy({ humanRequest: { phrases: ['agent', 'real person', 'talk to someone'] } }, defaults, 'x').version,
    'phrases are normalised before hashing')
})

t.test('phrase matching stays linear on hostile text', async t => {
  const matcher = new PhraseMatcher(['agent agent agent agent x', 'a a a a a a a a b', 'agent'.repeat(40)])
  const hostile = [
    'agent '.repeat(660),
    'a '.repeat(2000),
    'agen'.repeat(1000),
    '🙂'.repeat(2000),
    'ａｇｅｎｔ '.repeat(600),
    '\u0000\u200b'.repeat(2000)
  ]
  // The best of three runs, so a GC pause or a busy neighbour on a shared machine is not read as backtracking.
  const fastest = (text: string): number => Math.min(...[0, 1, 2].map(() => {
    const started = performance.now()
    t.equal(matcher.find(text), null)
    return performance.now() - started
  }))
  for (const text of hostile) {
    const ms = fastest(text)
    t.ok(ms < 50, `${JSON.stringify(text.slice(0, 10))}… in ${ms.toFixed(2)} ms`)
  }
  // A hundred times the text takes about a hundred times as long, not ten thousand.
  const ms = fastest('agent '.repeat(66_000))
  t.ok(ms < 1000, `400 kB in ${ms.toFixed(0)} ms`)
  t.equal(new PhraseMatcher(['agent']).find('ＡＧＥＮＴ'), 'agent', 'full-width letters are normalised')
  t.equal(matcher.find('a a a a a a a a a a b'), 'a a a a a a a a b', 'overlapping starts are found')
})
