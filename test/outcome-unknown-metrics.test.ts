// TRANSFER_OUTCOME_UNKNOWN (a transfer Genesys may still be handling) is counted under its own outcome, in
// the webhook counter and the handoff duration histogram alike, never lumped with plain failures.
import t from 'tap'
import { outcomeOf } from '../src/errors.js'
import { ALL_ERROR_KINDS } from '../src/error-catalogue.js'
import { TransferOutcomeUnknownError } from '../src/genesys/errors.js'
import { buildWithSimulator, messagingEvent, newConversationId, postEvent } from './helper.js'

t.test('the error kind has an outcome of its own', async t => {
  t.equal(outcomeOf(new TransferOutcomeUnknownError('network error UND_ERR_HEADERS_TIMEOUT')), 'transfer_outcome_unknown')
  t.same(ALL_ERROR_KINDS.filter(k => k.outcome === 'transfer_outcome_unknown').map(k => k.code), ['TRANSFER_OUTCOME_UNKNOWN'])
})

t.test('a timed-out transfer counts as transfer_outcome_unknown in handoff_webhooks_total and handoff_duration_seconds', async t => {
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { HANDOFF_SKILL_ID: '', GENESYS_REQUEST_TIMEOUT_MS: 200, HANDOFF_QUEUE_POLL_INTERVAL_MS: 20 }
  })
  // Genesys receives the transfer but answers only after the service has stopped waiting.
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', latencyMs: 1500 })
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.1))
  t.equal(res.statusCode, 503, res.body)
  t.equal(res.json().code, 'TRANSFER_OUTCOME_UNKNOWN')
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, /handoff_webhooks_total\{outcome="transfer_outcome_unknown"\} 1\n/)
  t.match(metrics, /handoff_duration_seconds_count\{outcome="transfer_outcome_unknown"\} 1\n/)
  t.notMatch(metrics, /handoff_duration_seconds_count\{outcome="failure"\}/, 'not counted as a plain failure')
})
