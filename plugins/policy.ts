// The escalation policy: loaded at startup (an invalid file stops the service, naming the bad path),
// re-read on SIGHUP and when a policy file changes (an invalid reload keeps the running policy), with an
// optional shadow candidate. Every way in decides through app.policy.decide().
import fp from 'fastify-plugin'
import { PolicyRuntime } from '../src/policy/runtime.js'
import { watchFiles } from '../src/policy/watch.js'

declare module 'fastify' {
  interface FastifyInstance {
    policy: PolicyRuntime
  }
}

export default fp(async (app) => {
  const { handoff, policy } = app.config
  const runtime = new PolicyRuntime({
    file: policy.file,
    shadowFile: policy.shadowFile,
    defaults: {
      threshold: handoff.threshold,
      target: { queueId: handoff.queueId, skillIds: handoff.skillIds, priority: handoff.priority, languageId: handoff.languageId }
    },
    log: app.log,
    telemetry: app.telemetry
  })
  app.log.info({
    policyVersion: runtime.live.version,
    source: runtime.live.source,
    ...(runtime.shadow !== null ? { shadowVersion: runtime.shadow.version, shadowSource: runtime.shadow.source } : {})
  }, 'escalation policy loaded')
  app.decorate('policy', runtime)

  if (runtime.files.length === 0) return
  const onHangup = (): void => { runtime.reload('SIGHUP') }
  process.on('SIGHUP', onHangup)
  const stopWatching = watchFiles(runtime.files, () => { runtime.reload('file changed') }, {
    onError: (err) => { app.log.warn({ err }, 'cannot watch the policy files; reload with SIGHUP') }
  })
  app.addHook('onClose', async () => {
    process.off('SIGHUP', onHangup)
    stopWatching()
  })
  // metrics: its subscriber must be listening before the first policyLoaded is published.
}, { name: 'policy', dependencies: ['config', 'telemetry', 'metrics'] })
