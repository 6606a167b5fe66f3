// HTML built by a tagged template that escapes every interpolated value: transcripts, intents and handoff
// details are customer or upstream input. Only values already built by `html` (SafeHtml) pass unescaped.

export class SafeHtml {
  constructor (readonly value: string) {}
  toString (): string {
    return this.value
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[]

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c)
}

function render (value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value
  if (value === null || value === undefined || value === false) return ''
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

export function html (strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '')
  return new SafeHtml(out)
}

/** A query string from fixed keys; values are URL-encoded (and escaped again where interpolated). */
export function query (params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value))
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}
