// Reads a policy file (JSON, or YAML for any other extension), validates it against the PolicyFile schema
// and compiles it over the environment's defaults. Every problem is reported at once, by JSON pointer and
// line, in one PolicyError. Synchronous on purpose: a policy is a few kilobytes read at startup and on
// reload, and a synchronous swap leaves no moment with a half-loaded policy.
import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { LineCounter, parseDocument, type Document } from 'yaml'
import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import { PolicyFileSchema, type PolicyDefaults, type PolicyFile } from '../schemas/policy.js'
import { PolicyError, compilePolicy, defaultPolicy, type Policy, type PolicyIssue } from './compile.js'

const MAX_FILE_BYTES = 1024 * 1024
const checkFile = Compile(PolicyFileSchema)

/** The policy in the file, or today's single-threshold policy from the defaults when there is no file. */
export function loadPolicy (file: string | null | undefined, defaults: PolicyDefaults): Policy {
  if (file === null || file === undefined || file === '') return defaultPolicy(defaults)
  let text: string
  try {
    const bytes = readFileSync(file)
    if (bytes.length > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`)
    text = bytes.toString('utf8')
  } catch (err) {
    throw new PolicyError(file, [{ path: '', message: `cannot be read (${err instanceof Error ? err.message : String(err)})` }])
  }
  const parsed = parsePolicy(text, file)
  try {
    return compilePolicy(parsed.value, defaults, file)
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err
    throw new PolicyError(file, err.issues.map(i => ({ ...i, ...parsed.line(i.path) })))
  }
}

export interface ParsedPolicy {
  value: PolicyFile
  /** the line a JSON pointer into the file starts on, when known */
  line: (path: string) => { line?: number }
}

/** Parses and validates the text of a policy file; `source` names it in errors and picks the format. */
export function parsePolicy (text: string, source: string): ParsedPolicy {
  const lines = new LineCounter()
  let doc: Document | null = null
  let value: unknown
  if (extname(source).toLowerCase() === '.json') {
    try {
      value = JSON.parse(text)
    } catch (err) {
      throw new PolicyError(source, [{ path: '', message: `is not valid JSON (${err instanceof Error ? err.message : String(err)})` }])
    }
    // Only to point at lines; JSON is valid YAML flow syntax.
    const located = parseDocument(text, { lineCounter: lines })
    if (located.errors.length === 0) doc = located
  } else {
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
    if (doc.errors.length > 0) {
      throw new PolicyError(source, doc.errors.map(e => ({
        path: '',
        message: `is not valid YAML: ${(e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, '')}`,
        ...(e.linePos?.[0] !== undefined ? { line: e.linePos[0].line } : {})
      })))
    }
    value = doc.toJS({ maxAliasCount: 100 })
  }
  if (value === null || value === undefined) throw new PolicyError(source, [{ path: '', message: 'is empty (write {} for the defaults)' }])
  const located = doc
  const line = (path: string): { line?: number } => {
    const at = lineOf(located, lines, path)
    return at === undefined ? {} : { line: at }
  }
  if (checkFile.Check(value)) return { value, line }
  throw new PolicyError(source, schemaIssues(value, line))
}

function schemaIssues (value: unknown, line: ParsedPolicy['line']): PolicyIssue[] {
  const byPath = new Map<string, string[]>()
  for (const error of Value.Errors(PolicyFileSchema, value)) {
    let message: string
    switch (error.keyword) {
      // Reported once per unknown key (the 'boolean' error below), not once for its parent.
      case 'additionalProperties':
      case 'anyOf':
        continue
      case 'boolean':
        message = /^\/intents\/[^/]+$/.test(error.instancePath)
          ? "is not an intent name or a prefix ending in '*'"
          : 'is not a known setting'
        break
      case 'enum':
        message = `must be one of: ${(error.params as { allowedValues?: unknown[] }).allowedValues?.join(', ') ?? '?'}`
        break
      default:
        message = error.message
    }
    const messages = byPath.get(error.instancePath) ?? []
    if (!messages.includes(message)) messages.push(message)
    byPath.set(error.instancePath, messages)
  }
  if (byPath.size === 0) byPath.set('', ['does not match the policy schema'])
  return [...byPath].map(([path, messages]) => ({ path, message: messages.join(' or '), ...line(path) }))
}

/** The line of the deepest node along the pointer that the document has. */
function lineOf (doc: Document | null, lines: LineCounter, path: string): number | undefined {
  if (doc === null) return undefined
  const segments = path.split('/').slice(1).map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  for (let n = segments.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true) as { range?: [number, number, number] } | undefined
    const offset = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0]
    if (offset !== undefined) return lines.linePos(offset).line
  }
  return undefined
}
