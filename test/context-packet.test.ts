import t from 'tap'
import { buildContextPacket, maskSensitive, truncate, type ContextPacketOptions } from '../src/context-packet.js'
import { decide } from '../src/decision.js'
import type { HistoryEntry } from '../src/store/types.js'

const target = { queueId: 'q', skillIds: [], priority: null, languageId: null }
const decision = decide({ threshold: 0.75, target }, { intent: 'refund_request', confidence: 0.31 })
const options: ContextPacketOptions = { redact: true, maxEvents: 10, maxValueChars: 500, maxTotalChars: 4000 }
const AT = '2026-11-25T12:00:00.000Z'

function entry (text: string, confidence = 0.5, i = 0): HistoryEntry {
  return { event: 'message', intent: { intent: 'refund_request', confidence }, text, timestamp: `2026-11-25T12:00:${String(i % 60).padStart(2, '0')}.000Z` }
}

const size = (packet: Record<string, string>): number => Object.entries(packet).reduce((n, [k, v]) => n + k.length + v.length, 0)

t.test('masks e-mail addresses, phone numbers and card-like numbers', async t => {
  t.equal(maskSensitive("mail jane.o'neil+x@mail.example.co.uk now"), 'mail [email] now')
  t.equal(maskSensitive('write to jane.doe@example.com please'), 'write to [email] please')
  t.equal(maskSensitive('card 4111 1111 1111 1111 ok'), 'card [card] ok')
  t.equal(maskSensitive('card 4111-1111-1111-1111'), 'card [card]')
  t.equal(maskSensitive('pan 5500000000000004'), 'pan [card]')
  t.equal(maskSensitive('call +44 20 7946 0958 today'), 'call [phone] today')
  t.equal(maskSensitive('call (555) 123-4567'), 'call [phone]')
  t.equal(maskSensitive('ring 555.123.4567'), 'ring [phone]')
  t.equal(maskSensitive('order 2026-11-25 for $120.50, 3 items'), 'order 2026-11-25 for $120.50, 3 items', 'dates and amounts stay')
  t.equal(maskSensitive('ref 12345'), 'ref 12345', 'short numbers stay')
})

t.test('truncate marks the cut and respects the limit', async t => {
  t.equal(truncate('abcdef', 10), 'abcdef')
  t.equal(truncate('abcdefghij', 5), 'abcd…')
  t.equal(truncate('abcdefghij', 5).length, 5)
})

t.test('the packet carries the decision, trajectory, turn count and transcript as strings', async t => {
  const history = [entry('hi', 0.9, 1), entry('I want my money back', 0.6, 2), entry('now!', 0.31, 3)]
  const packet = buildContextPacket({ decision, history, at: AT }, options)
  t.same(packet, {
    'handoff.reason': "intent 'refund_request' confidence 0.31 is below threshold 0.75",
    'handoff.rule': 'confidence_below_threshold (threshold 0.75)',
    'handoff.intent': 'refund_request',
    'handoff.confidence': '0.31',
    'handoff.turnCount': '3',
    'handoff.at': AT,
    'handoff.confidenceTrajectory': '0.9 > 0.6 > 0.31',
    'handoff.transcript': '12:00:01 message [refund_request 0.9]: hi\n12:00:02 message [refund_request 0.6]: I want my money back\n12:00:03 message [refund_request 0.31]: now!'
  })
})

t.test('only the last maxEvents events; long values cut; the total bounded', async t => {
  const history = Array.from({ length: 30 }, (_, i) => entry(`turn ${i} ` + 'y'.repeat(300), 0.5, i))
  const packet = buildContextPacket({ decision, history, at: AT }, { ...options, maxEvents: 5, maxValueChars: 200, maxTotalChars: 800 })
  t.ok(size(packet) <= 800, `size ${size(packet)}`)
  for (const value of Object.values(packet)) t.ok(value.length <= 200)
  t.equal(packet['handoff.turnCount'], '30')
  t.equal(packet['handoff.truncated'], 'true')
  t.match(packet['handoff.transcript'], /turn 29/, 'the newest line is kept')
  t.notMatch(packet['handoff.transcript'], /turn 2[0-4]\b/, 'nothing older than the last 5')
})

t.test('oldest transcript lines go first when the total is tight', async t => {
  const history = Array.from({ length: 6 }, (_, i) => entry(`line ${i} ` + 'z'.repeat(60), 0.5, i))
  const packet = buildContextPacket({ decision, history, at: AT }, { ...options, maxTotalChars: 600 })
  t.ok(size(packet) <= 600)
  t.match(packet['handoff.transcript'], /line 5/)
  t.notMatch(packet['handoff.transcript'], /line 0/)
  t.equal(packet['handoff.truncated'], 'true')
})

t.test('stays within the smallest total even with a long intent', async t => {
  const long = decide({ threshold: 0.75, target }, { intent: 'x'.repeat(200), confidence: 0.1 })
  const packet = buildContextPacket({ decision: long, history: [entry('hello')], at: AT }, { ...options, maxValueChars: 500, maxTotalChars: 200 })
  t.ok(size(packet) <= 200, `size ${size(packet)}`)
  t.equal(packet['handoff.confidence'], '0.1')
})

t.test('masking applies to the transcript unless turned off', async t => {
  const history = [entry('reach me at a.b@example.org or 0151 234 56789')]
  t.notMatch(JSON.stringify(buildContextPacket({ decision, history, at: AT }, options)), /example\.org|234 56789/)
  t.match(buildContextPacket({ decision, history, at: AT }, { ...options, redact: false })['handoff.transcript'], /a\.b@example\.org or 0151 234 56789/)
})

t.test('no history: no transcript or trajectory, still a packet', async t => {
  const packet = buildContextPacket({ decision, history: [], at: AT }, options)
  t.equal(packet['handoff.turnCount'], '0')
  t.notOk('handoff.transcript' in packet)
  t.notOk('handoff.confidenceTrajectory' in packet)
})
