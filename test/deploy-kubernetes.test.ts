// The Kubernetes manifests (kustomize base and overlays) agree with the service, checked without a cluster:
// each rendered resource against the Kubernetes API schemas (kubernetes-models), then settings, ports,
// probe paths, selectors, shutdown timing and security settings against the service itself.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { parseAllDocuments } from 'yaml'
import configPlugin from '../plugins/config.js'
import { ENV_NAMES, longestWebhookMs, repoFile, readYamlDocuments, serviceFacts, type ServiceFacts } from './deploy-helper.js'
import { containers, kustomize, type Resource } from './kustomize.js'

const BASE = repoFile('deploy/kubernetes/base')
const OVERLAYS = ['staging', 'production'].map(name => ({ name, dir: repoFile('deploy/kubernetes/overlays', name) }))
const secretTemplate = readYamlDocuments(repoFile('deploy/kubernetes/base/secret.example.yaml'))[0] as Resource & { stringData: Record<string, string> }

interface Container {
  name: string
  image: string
  ports?: Array<{ name?: string, containerPort: number }>
  envFrom?: Array<{ configMapRef?: { name: string }, secretRef?: { name: string } }>
  readinessProbe?: { httpGet?: { path: string, port: string | number } }
  livenessProbe?: { httpGet?: { path: string, port: string | number } }
  lifecycle?: { preStop?: { exec?: { command: string[] }, sleep?: { seconds: number } } }
  resources?: { requests?: Record<string, string>, limits?: Record<string, string> }
  securityContext?: { allowPrivilegeEscalation?: boolean, readOnlyRootFilesystem?: boolean, capabilities?: { drop?: string[] }, runAsNonRoot?: boolean }
}

const find = (resources: Resource[], kind: string): Resource & Record<string, any> => {
  const found = resources.filter(r => r.kind === kind)
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`)
  return found[0] as Resource & Record<string, any>
}

/** `256Mi`, `1G`, `512M` → bytes. */
function bytes (quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity)
  if (match === null) throw new Error(`unexpected quantity ${quantity}`)
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 }[match[2] ?? ''] ?? 1
  return Number(match[1]) * unit
}

/** Validates a resource with the schema of its apiVersion/kind from kubernetes-models. */
async function validate (resource: Resource): Promise<void> {
  const [group, version] = resource.apiVersion.includes('/') ? resource.apiVersion.split('/') : ['', resource.apiVersion]
  const module = await import(`kubernetes-models/${group === '' ? '' : `${group ?? ''}/`}${version ?? ''}/${resource.kind}`) as Record<string, new (data: unknown) => { validate: () => void }>
  const Model = module[resource.kind]
  if (Model === undefined) throw new Error(`no model for ${resource.apiVersion} ${resource.kind}`)
  new Model(resource).validate()
}

/** The settings the pod would get: the ConfigMap, plus the Secret template filled with values that pass production checks. */
function podEnv (configMap: Record<string, string>): Record<string, string> {
  const strong = (): string => randomBytes(24).toString('hex')
  const secrets: Record<string, string> = { ...secretTemplate.stringData }
  for (const key of ['GENESYS_CLIENT_ID', 'GENESYS_CLIENT_SECRET', 'SESSION_SECRET', 'WEBHOOK_SECRET', 'ADMIN_TOKEN', 'METRICS_TOKEN']) secrets[key] = strong()
  const topology = configMap.REDIS_CLUSTER_NODES !== '' || configMap.REDIS_SENTINELS !== ''
  if (!topology) secrets.REDIS_URL = 'rediss://handoff:secret-password@redis.internal:6380/0'
  return { ...configMap, ...secrets }
}

async function configure (env: Record<string, string>): Promise<void> {
  const app = Fastify()
  try {
    await app.register(configPlugin, { data: env, dotenv: false })
    await app.ready()
  } finally {
    await app.close()
  }
}

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

let facts: ServiceFacts
t.before(async () => { facts = await serviceFacts(t) })

t.test('the Secret template and the ConfigMap name every setting of the service, each exactly once', async t => {
  const configMap = find(kustomize(BASE), 'ConfigMap').data as Record<string, string>
  const inConfig = Object.keys(configMap)
  const inSecret = Object.keys(secretTemplate.stringData)
  t.same(inConfig.filter(k => inSecret.includes(k)), [], 'no setting in both')
  t.same([...inConfig, ...inSecret].sort(), [...ENV_NAMES].sort(), 'together: exactly the settings the service reads')
  t.same(ENV_NAMES.filter(k => /SECRET|TOKEN|PASSWORD/.test(k) && !k.endsWith('_HEADER') && !inSecret.includes(k)), [], 'credentials (not the names of their headers) are in the Secret')
  t.ok(inSecret.includes('REDIS_URL'), 'REDIS_URL (it may carry a password) is in the Secret')
  await validate(secretTemplate)
  await t.rejects(configure(podEnv(configMap)), /HANDOFF_QUEUE_ID/, 'the base alone refuses to start until an overlay sets the queue')
})

for (const { name, dir } of [{ name: 'base', dir: BASE }, ...OVERLAYS]) {
  t.test(`${name}: every resource matches the Kubernetes API schema`, async t => {
    const resources = kustomize(dir)
    t.ok(resources.length >= 7)
    for (const resource of resources) {
      await validate(resource).then(() => t.pass(`${resource.kind} ${resource.metadata.name}`), (err: Error) => t.fail(`${resource.kind} ${resource.metadata.name}: ${err.message}`))
    }
    if (!kubectl) {
      t.comment('kubectl not installed: the kustomize subset renders alone')
      return
    }
    const key = (r: Resource): string => `${r.kind}/${r.metadata.name}`
    const rendered = parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map(d => d.toJS() as Resource)
    t.same(Object.fromEntries(resources.map(r => [key(r), r])), Object.fromEntries(rendered.map(r => [key(r), r])), 'the same as kubectl kustomize renders')
  })
}

for (const { name, dir } of OVERLAYS) {
  t.test(`${name}: the pod's settings start the service in production`, async t => {
    const configMap = find(kustomize(dir), 'ConfigMap').data as Record<string, string>
    t.equal(configMap.NODE_ENV, 'production')
    await t.resolves(configure(podEnv(configMap)))
  })

  t.test(`${name}: ports, probes, selectors and the public path agree with the service`, async t => {
    const resources = kustomize(dir)
    const deployment = find(resources, 'Deployment')
    const configMap = find(resources, 'ConfigMap').data as Record<string, string>
    const [container] = containers(deployment) as unknown as Container[]
    if (container === undefined) throw new Error('no container')
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>
    const portOf = (port: string | number | undefined): number | undefined =>
      typeof port === 'number' ? port : container.ports?.find(p => p.name === port)?.containerPort

    t.same(container.envFrom, [{ configMapRef: { name: 'handoff-config' } }, { secretRef: { name: secretTemplate.metadata.name } }], 'settings from the ConfigMap and the Secret')
    t.equal(container.ports?.[0]?.containerPort, Number(configMap.PORT), 'the container port is PORT')
    t.equal(container.readinessProbe?.httpGet?.path, '/health/ready')
    t.equal(container.livenessProbe?.httpGet?.path, '/health/live', 'liveness does not depend on Redis or load')
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      t.ok(await facts.serves('GET', probe?.httpGet?.path ?? ''), `the service serves GET ${probe?.httpGet?.path ?? ''}`)
      t.equal(portOf(probe?.httpGet?.port), Number(configMap.PORT), 'probed on the service port')
    }

    const matches = (selector: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => podLabels[k] === v)
    const service = find(resources, 'Service')
    t.ok(matches(service.spec.selector), 'the Service selects the pods')
    t.equal(portOf(service.spec.ports[0].targetPort), Number(configMap.PORT), 'the Service forwards to the service port')
    for (const kind of ['PodDisruptionBudget', 'NetworkPolicy']) {
      const resource = find(resources, kind)
      t.ok(matches(resource.spec.selector?.matchLabels ?? resource.spec.podSelector?.matchLabels), `the ${kind} selects the pods`)
    }

    const policy = find(resources, 'NetworkPolicy')
    t.same(policy.spec.policyTypes, ['Ingress'])
    t.equal(policy.spec.ingress.length, 1, 'one way in')
    const [rule] = policy.spec.ingress
    t.same(rule.ports.map((p: { port: string | number }) => portOf(p.port)), [Number(configMap.PORT)], 'only the service port')
    t.ok(rule.from.length > 0 && rule.from.every((peer: Record<string, unknown>) => peer.namespaceSelector !== undefined && peer.ipBlock === undefined),
      'only from the ingress controller\'s namespace, never from anywhere')

    const ingress = find(resources, 'Ingress')
    const paths = ingress.spec.rules.flatMap((r: { http: { paths: Array<{ path: string, pathType: string, backend: { service: { name: string, port: { name: string } } } }> } }) => r.http.paths)
    for (const path of paths) {
      t.equal(path.backend.service.name, service.metadata.name)
      t.ok(service.spec.ports.some((p: { name: string }) => p.name === path.backend.service.port.name))
    }
    const exposed = (url: string): boolean => paths.some((p: { path: string }) => url === p.path || url.startsWith(`${p.path.replace(/\/$/, '')}/`))
    t.ok(await facts.serves('POST', '/webhook/messaging') && exposed('/webhook/messaging'), 'the webhook is public')
    for (const internal of ['/metrics', '/conversations/c', '/operator/session', '/docs', '/health/ready']) t.notOk(exposed(internal), `${internal} stays internal`)
  })

  t.test(`${name}: shutdown timing, scaling, resources and security`, async t => {
    const resources = kustomize(dir)
    const deployment = find(resources, 'Deployment')
    const configMap = find(resources, 'ConfigMap').data as Record<string, string>
    const pod = deployment.spec.template.spec
    const [container] = containers(deployment) as unknown as Container[]
    if (container === undefined) throw new Error('no container')

    const grace = Number(configMap.SHUTDOWN_GRACE_MS)
    t.ok(grace > longestWebhookMs(configMap), `SHUTDOWN_GRACE_MS ${grace} > the longest webhook ${longestWebhookMs(configMap)}`)
    const preStop = container.lifecycle?.preStop
    const pauseS = preStop?.sleep?.seconds ?? (preStop?.exec?.command[0] === 'sleep' ? Number(preStop.exec.command[1]) : NaN)
    t.ok(pauseS >= 1, `preStop pauses ${pauseS} s so endpoints drop the pod before it stops accepting`)
    const drain = Number(configMap.SHUTDOWN_DRAIN_MS)
    t.ok(drain >= 0, `SHUTDOWN_DRAIN_MS ${drain} set`)
    t.ok(pod.terminationGracePeriodSeconds * 1000 >= pauseS * 1000 + drain + grace + 1000,
      `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} covers the pause (${pauseS} s), SHUTDOWN_DRAIN_MS and SHUTDOWN_GRACE_MS with a second to spare`)

    const hpa = find(resources, 'HorizontalPodAutoscaler')
    const pdb = find(resources, 'PodDisruptionBudget')
    t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name })
    t.ok(hpa.spec.minReplicas >= 2, 'two pods at least')
    t.ok(pdb.spec.minAvailable < hpa.spec.minReplicas, 'a drain can always evict a pod')
    t.ok(deployment.spec.replicas >= hpa.spec.minReplicas && deployment.spec.replicas <= hpa.spec.maxReplicas)
    const requests = container.resources?.requests ?? {}
    const limits = container.resources?.limits ?? {}
    t.ok(requests.cpu !== undefined && requests.memory !== undefined && limits.memory !== undefined, 'cpu and memory requested, memory limited')
    t.ok(bytes(limits.memory ?? '0') >= bytes(requests.memory ?? '0'))

    t.equal(pod.securityContext.runAsNonRoot, true)
    t.equal(pod.automountServiceAccountToken, false)
    t.equal(container.securityContext?.readOnlyRootFilesystem, true)
    t.equal(container.securityContext?.allowPrivilegeEscalation, false)
    t.same(container.securityContext?.capabilities?.drop, ['ALL'])
    t.match(container.image, /^[^:]+:[^:]+$/, 'a pinned tag')
  })
}
