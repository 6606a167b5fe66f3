// Reads recorded conversations for the backtest, line by line (node:readline), so a file of any size is
// replayed in constant memory. Two shapes are accepted:
//   - a transcript event per line: {conversationId, event, intent, confidence, text, timestamp, messageId?}
//     (intent may also be the webhook's {intent, confidence} object);
//   - what GET /conversations/:id answers ({conversationId, history: [...], turns?}), one per line, or one
//     (or an array of them) as a whole, pretty-printed file.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { Type, type Static } from 'typebox'
import { Compile } from 'typebox/compile'

const Confidence = Type.Number({ minimum: 0, maximum: 1 })
const IntentObject = Type.Object({ intent: Type.Optional(Type.String({ maxLength: 200 })), confidence: Type.Optional(Confidence) })

/** One recorded event. Missing intent counts as 'unknown' and missing confidence as 0, as in the service. */
export const TranscriptEventSchema = Type.Object({
  conversationId: Type.String({ minLength: 1, maxLength: 200 }),
  event: Type.Optional(Type.String({ maxLength: 100 })),
  intent: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), IntentObject])),
  confidence: Type.Optional(Confidence),
  text: Type.Optional(Type.String()),
  timestamp: Type.Optional(Type.String()),
  messageId: Type.Optional(Type.String())
})
export type TranscriptEvent = Static<typeof TranscriptEventSchema>

/** The parts of a GET /conversations/:id answer the replay uses. */
export const ConversationExportSchema = Type.Object({
  conversationId: Type.String({ minLength: 1, maxLength: 200 }),
  history: Type.Array(Type.Object({
    event: Type.Optional(Type.String()),
    intent: Type.Optional(IntentObject),
    text: Type.Optional(Type.String()),
    timestamp: Type.Optional(Type.String()),
    messageId: Type.Optional(Type.String())
  })),
  turns: Type.Optional(Type.Integer({ minimum: 0 }))
})
export type ConversationExport = Static<typeof ConversationExportSchema>

/** An event as the replay takes it. */
export interface ReplayEvent {
  conversationId: string
  intent: string
  confidence: number
  text: string
  /** ms since the epoch; NaN when the line has none */
  at: number
  /** events the conversation had before the first one in the input (an export keeps only the newest) */
  earlierTurns?: number
}

export interface InputSink {
  event: (event: ReplayEvent) => void
  /** the conversation is complete (an export holds all of it) */
  end: (conversationId: string) => void
  invalid: (line: number, reason: string) => void
}

const isEvent = Compile(TranscriptEventSchema)
const isExport = Compile(ConversationExportSchema)
/** A pretty-printed export is read whole; bigger documents belong in JSON lines. */
const MAX_DOCUMENT_CHARS = 64 * 1024 * 1024

export async function readTranscripts (path: string, sink: InputSink): Promise<{ lines: number }> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
  let number = 0
  let document: string[] | null = null
  let documentChars = 0
  let seenContent = false
  for await (const line of lines) {
    number++
    if (document !== null) {
      documentChars += line.length + 1
      if (documentChars > MAX_DOCUMENT_CHARS) throw new Error(`${path}: a multi-line JSON document over ${MAX_DOCUMENT_CHARS} characters; use one JSON value per line`)
      document.push(line)
      continue
    }
    const text = line.trim()
    if (text === '') continue
    const first = !seenContent
    seenContent = true
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      // The first value does not fit on its line: a pretty-printed document.
      if (first && (text.startsWith('{') || text.startsWith('['))) {
        document = [line]
        documentChars = line.length + 1
        continue
      }
      sink.invalid(number, `not JSON (${(err as Error).message})`)
      continue
    }
    take(value, number, sink)
  }
  if (document !== null) {
    let value: unknown
    try {
      value = JSON.parse(document.join('\n'))
    } catch (err) {
      sink.invalid(1, `not JSON lines, nor one JSON document (${(err as Error).message})`)
      return { lines: number }
    }
    for (const item of Array.isArray(value) ? value : [value]) take(item, 1, sink)
  }
  return { lines: number }
}

function take (value: unknown, line: number, sink: InputSink): void {
  if (isExport.Check(value)) {
    const earlierTurns = Math.max(0, (value.turns ?? value.history.length) - value.history.length)
    value.history.forEach((entry, i) => {
      sink.event({
        conversationId: value.conversationId,
        intent: entry.intent?.intent ?? 'unknown',
        confidence: entry.intent?.confidence ?? 0,
        text: entry.text ?? '',
        at: entry.timestamp === undefined ? NaN : Date.parse(entry.timestamp),
        ...(i === 0 && earlierTurns > 0 ? { earlierTurns } : {})
      })
    })
    sink.end(value.conversationId)
    return
  }
  if (isEvent.Check(value)) {
    const nested = typeof value.intent === 'object' ? value.intent : undefined
    sink.event({
      conversationId: value.conversationId,
      intent: (typeof value.intent === 'string' ? value.intent : nested?.intent) ?? 'unknown',
      confidence: value.confidence ?? nested?.confidence ?? 0,
      text: value.text ?? '',
      at: value.timestamp === undefined ? NaN : Date.parse(value.timestamp)
    })
    return
  }
  const [first] = [...isEvent.Errors(value)]
  sink.invalid(line, first === undefined ? 'not a transcript event or a conversation export' : `${first.instancePath === '' ? 'the line' : first.instancePath} ${first.message}`)
}
