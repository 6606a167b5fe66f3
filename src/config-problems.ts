// What is wrong with a configuration, worded for the person who set it: every problem is collected first
// and reported in one error, so one restart shows everything there is to fix.

export interface ConfigProblem {
  /** the environment variable at fault */
  variable: string
  /** a sentence starting with the variable's name */
  text: string
  /** missing: absent or empty; production: unsafe only with NODE_ENV=production */
  kind: 'missing' | 'invalid' | 'production'
  /** when a setting is required only in some modes: which, said once after the missing names */
  note?: string
}

export const problem = (variable: string, text: string, kind: ConfigProblem['kind'] = 'invalid'): ConfigProblem =>
  ({ variable, text: `${variable} ${text}`, kind })

/** Thrown at startup with every problem found; `message` lists them all on one line. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[]

  constructor (problems: readonly ConfigProblem[]) {
    super(configMessage(problems))
    this.name = 'ConfigError'
    this.problems = problems
  }
}

function configMessage (problems: readonly ConfigProblem[]): string {
  const parts: string[] = []
  const missing = problems.filter(p => p.kind === 'missing')
  if (missing.length > 0) parts.push(`missing required setting(s) ${missing.map(p => p.variable).join(', ')}`)
  parts.push(...new Set(missing.flatMap(p => p.note !== undefined ? [p.note] : [])))
  parts.push(...problems.filter(p => p.kind === 'invalid').map(p => p.text))
  const production = problems.filter(p => p.kind === 'production')
  if (production.length > 0) parts.push(`Refusing to start with NODE_ENV=production: ${production.map(p => p.text).join('; ')}`)
  return `Invalid configuration: ${parts.join('; ')}`
}

const withNote = (found: ConfigProblem, note: string | undefined): ConfigProblem => note === undefined ? found : { ...found, note }

/** The parts of an Ajv error read here. */
export interface SchemaError {
  keyword: string
  instancePath: string
  message?: string
  params: { missingProperty?: string, allowedValues?: unknown[], limit?: number, type?: string }
}

/**
 * A value safe to quote back in an error: in each word, everything up to its last `@` (a URL's user and
 * password, whatever they contain) is masked. Applied before any cutting, which could drop the `@`.
 */
export function redactCredentials (text: string): string {
  return text.replace(/(^|\s)([a-z][a-z0-9+.-]*:\/\/)?\S*@/gi, '$1$2***@')
}

// Values of these types are never secrets, so they may be quoted back (still without URL credentials: a
// URL pasted into the wrong setting carries its password).
const QUOTABLE_TYPES = new Set(['integer', 'number', 'boolean'])

function quoted (value: unknown): string {
  const text = redactCredentials(String(value))
  return text.length > 40 ? `'${text.slice(0, 40)}…'` : `'${text}'`
}

/**
 * Ajv's errors for the environment, one problem per variable: absent and empty required values as missing,
 * enums with their allowed values. `values` holds what was given (to quote non-secret values back).
 */
export function schemaProblems (errors: readonly SchemaError[], values: Record<string, unknown>, conditions: Record<string, string> = {}, notes: Record<string, string> = {}): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const seen = new Set<string>()
  for (const e of errors) {
    // An `if` error only repeats the `then` error it comes with.
    if (e.keyword === 'if') continue
    const variable = e.keyword === 'required' ? e.params.missingProperty ?? '' : e.instancePath.replace(/^\//, '')
    if (variable === '' || seen.has(variable)) continue
    seen.add(variable)
    if (e.keyword === 'required') {
      const condition = conditions[variable]
      problems.push(withNote(problem(variable, `is required${condition !== undefined ? ` ${condition}` : ''}`, 'missing'), notes[variable]))
    } else if (e.keyword === 'minLength' && e.params.limit === 1) {
      problems.push(withNote(problem(variable, 'is required (it is empty)', 'missing'), notes[variable]))
    } else if (e.keyword === 'enum') {
      const allowed = (e.params.allowedValues ?? []).map(String).join(', ')
      problems.push(problem(variable, `must be equal to one of the allowed values: ${allowed} (got ${quoted(values[variable])})`))
    } else {
      const type = e.keyword === 'type' ? e.params.type ?? '' : ''
      const given = QUOTABLE_TYPES.has(type) || ['minimum', 'maximum'].includes(e.keyword) ? ` (got ${quoted(values[variable])})` : ''
      const wording = type === 'boolean' ? 'must be true or false' : e.message ?? 'is invalid'
      problems.push(problem(variable, `${wording}${given}`))
    }
  }
  return problems
}
