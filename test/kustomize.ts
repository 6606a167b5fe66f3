// The part of kustomize the manifests use, so tests can render an overlay without kubectl: resources (files
// and directories), namespace, labels (metadata only), images, and patches (a strategic-merge file naming a
// resource, or JSON6902 operations with a kind/name target). Any other field fails the render, so an
// overlay that starts using more of kustomize is noticed here rather than silently mis-rendered.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'

export interface Resource {
  apiVersion: string
  kind: string
  metadata: { name: string, namespace?: string, labels?: Record<string, string> }
  [field: string]: unknown
}

interface Kustomization {
  apiVersion?: string
  kind?: string
  resources?: string[]
  namespace?: string
  labels?: Array<{ pairs: Record<string, string>, includeSelectors?: boolean }>
  images?: Array<{ name: string, newName?: string, newTag?: string }>
  patches?: Array<{ path?: string, patch?: string, target?: { kind: string, name: string } }>
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'patches'])

export function kustomize (dir: string): Resource[] {
  const file = join(dir, 'kustomization.yaml')
  const k = parse(readFileSync(file, 'utf8')) as Kustomization
  const unsupported = Object.keys(k).filter(key => !SUPPORTED.has(key))
  if (unsupported.length > 0) throw new Error(`${file}: kustomize fields not understood by the test renderer: ${unsupported.join(', ')}`)
  if (k.kind !== 'Kustomization' || k.apiVersion !== 'kustomize.config.k8s.io/v1beta1') throw new Error(`${file}: not a Kustomization`)

  let resources: Resource[] = []
  for (const entry of k.resources ?? []) {
    const path = join(dir, entry)
    resources.push(...(existsSync(join(path, 'kustomization.yaml'))
      ? kustomize(path)
      : parseAllDocuments(readFileSync(path, 'utf8')).map(doc => doc.toJS() as Resource)))
  }
  for (const patch of k.patches ?? []) resources = applyPatch(resources, patch, dir)
  for (const resource of resources) {
    if (k.namespace !== undefined) resource.metadata.namespace = k.namespace
    for (const { pairs, includeSelectors } of k.labels ?? []) {
      if (includeSelectors === true) throw new Error(`${file}: labels with includeSelectors are not rendered here`)
      resource.metadata.labels = { ...resource.metadata.labels, ...pairs }
    }
    for (const container of containers(resource)) {
      for (const image of k.images ?? []) {
        const [name, tag] = splitImage(container.image)
        if (name !== image.name) continue
        container.image = `${image.newName ?? name}${image.newTag !== undefined ? `:${image.newTag}` : tag !== undefined ? `:${tag}` : ''}`
      }
    }
  }
  return resources
}

function splitImage (image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':')
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined]
}

export function containers (resource: Resource): Array<{ name: string, image: string, [field: string]: unknown }> {
  const spec = resource.spec as { template?: { spec?: { containers?: Array<{ name: string, image: string }> } } } | undefined
  return spec?.template?.spec?.containers ?? []
}

function applyPatch (resources: Resource[], patch: NonNullable<Kustomization['patches']>[number], dir: string): Resource[] {
  if (patch.path !== undefined) {
    const body = parse(readFileSync(join(dir, patch.path), 'utf8')) as Resource
    const index = resources.findIndex(r => r.kind === body.kind && r.metadata.name === body.metadata.name)
    if (index < 0) throw new Error(`patch ${patch.path}: no ${body.kind} ${body.metadata.name} to patch`)
    return resources.map((r, i) => i === index ? mergeMaps(r, body) as Resource : r)
  }
  if (patch.patch === undefined || patch.target === undefined) throw new Error('a patch needs a path, or an inline patch with a target')
  const { kind, name } = patch.target
  const target = resources.find(r => r.kind === kind && r.metadata.name === name)
  if (target === undefined) throw new Error(`patch target ${kind} ${name} not found`)
  const operations = parse(patch.patch) as Array<{ op: string, path: string, value?: unknown }>
  for (const { op, path, value } of operations) jsonPatch(target, op, path, value)
  return resources
}

/** Strategic merge for what the overlays patch: maps merge key by key, anything else is replaced. */
function mergeMaps (base: unknown, patch: unknown): unknown {
  if (!isMap(base) || !isMap(patch)) return structuredClone(patch)
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) merged[key] = key in base ? mergeMaps(base[key], value) : structuredClone(value)
  return merged
}

function isMap (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function jsonPatch (target: unknown, op: string, pointer: string, value: unknown): void {
  const path = pointer.split('/').slice(1).map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  const last = path.pop()
  if (last === undefined) throw new Error(`bad JSON pointer ${pointer}`)
  let parent = target as Record<string, unknown>
  for (const key of path) {
    const next = parent[key]
    if (typeof next !== 'object' || next === null) throw new Error(`JSON pointer ${pointer}: nothing at ${key}`)
    parent = next as Record<string, unknown>
  }
  if (op === 'remove') {
    if (!(last in parent)) throw new Error(`JSON pointer ${pointer}: nothing to remove`)
    if (Array.isArray(parent)) parent.splice(Number(last), 1)
    else Reflect.deleteProperty(parent, last)
  } else if (op === 'replace') {
    if (!(last in parent)) throw new Error(`JSON pointer ${pointer}: nothing to replace`)
    parent[last] = value
  } else if (op === 'add') {
    if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, value)
    else parent[last] = value
  } else {
    throw new Error(`JSON patch op ${op} is not rendered here`)
  }
}
