// Where Genesys calls go, split once per base URL rather than parsed on every call: the origin the pool
// connects to, the path calls are made under, and that path templated for metric labels.

const UUID_SEGMENT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The path with id segments replaced by `{id}` (UUIDs, numbers, anything not a plain word). */
export function templatePath (path: string): string {
  return path.split('/').map(segment =>
    segment === '' || (/^[a-z][a-z0-9_.]*$/i.test(segment) && !UUID_SEGMENT.test(segment) && !/\d{3,}/.test(segment))
      ? segment
      : '{id}').join('/')
}

/** The URL's path with id segments replaced by `{id}`; 'unknown' for what is not a URL. */
export function endpointTemplate (url: string): string {
  let path: string
  try {
    path = new URL(url).pathname
  } catch {
    return 'unknown'
  }
  return templatePath(path)
}

export interface BaseUrl {
  /** scheme, host and port */
  origin: string
  /** the base URL's own path, '' when none (calls append theirs, starting with '/') */
  path: string
  /** that path templated */
  template: string
}

/** Splits a base URL (as config gives it: no trailing slash). Throws on what is not a URL. */
export function baseUrl (url: string): BaseUrl {
  const parsed = new URL(url)
  const path = parsed.pathname.replace(/\/+$/, '')
  return { origin: parsed.origin, path, template: templatePath(path) }
}

/** A call's path as a template, e.g. /api/v2/conversations/messages/{id}: the label, and the path once filled. */
export class PathTemplate {
  readonly template: string
  private readonly parts: string[]

  constructor (template: string) {
    this.template = template
    this.parts = template.split('{id}')
  }

  /** The path with each `{id}` replaced, in order, by the next id (URL-encoded). */
  fill (...ids: string[]): string {
    const { parts } = this
    if (ids.length !== parts.length - 1) throw new Error(`${this.template} takes ${parts.length - 1} ids, not ${ids.length}`)
    let path = parts[0] ?? ''
    for (let i = 0; i < ids.length; i++) path += encodeURIComponent(ids[i] ?? '') + (parts[i + 1] ?? '')
    return path
  }
}
