import t from 'tap'
import { decide, type Policy } from '../src/decision.js'

const policy: Policy = { threshold: 0.75, target: { queueId: 'q1', skillIds: ['s1'], priority: null, languageId: null } }

t.test('confidence strictly below the threshold hands off to the policy target', async t => {
  const d = decide(policy, { intent: 'billing', confidence: 0.74 })
  t.equal(d.action, 'HANDOFF')
  t.same(d.target, { queueId: 'q1', skillIds: ['s1'], priority: null, languageId: null })
  t.equal(d.reason, "intent 'billing' confidence 0.74 is below threshold 0.75")
})

t.test('confidence equal to the threshold keeps the bot', async t => {
  const d = decide(policy, { intent: 'billing', confidence: 0.75 })
  t.equal(d.action, 'CONTINUE_BOT')
  t.equal(d.target, null)
  t.match(d.reason, /billing.*0\.75.*threshold 0\.75/)
})

t.test('confidence above the threshold keeps the bot', async t => {
  t.equal(decide(policy, { intent: 'x', confidence: 1 }).action, 'CONTINUE_BOT')
})

t.test('missing intent or confidence counts as confidence 0', async t => {
  const none = decide(policy, undefined)
  t.equal(none.action, 'HANDOFF')
  t.equal(none.confidence, 0)
  t.equal(none.intent, 'unknown')
  const noConfidence = decide(policy, { intent: 'greeting' })
  t.equal(noConfidence.action, 'HANDOFF')
  t.equal(noConfidence.intent, 'greeting')
})

t.test('the threshold comes from the policy', async t => {
  const strict = { ...policy, threshold: 0.9 }
  t.equal(decide(strict, { confidence: 0.85 }).action, 'HANDOFF')
  const lax = { ...policy, threshold: 0.1 }
  t.equal(decide(lax, { confidence: 0.1 }).action, 'CONTINUE_BOT')
  t.equal(decide(lax, { confidence: 0.1 }).threshold, 0.1)
})
