// What the policy sees of a conversation's past, taken from the store's answer to the append of this event.
import type { AppendResult } from '../store/types.js'
import type { ConversationHistory } from './evaluate.js'

/**
 * The conversation before this event, from the entries the append answered with. A redelivery was
 * recorded the first time: its history ends before that entry (or, when the entry is out of sight, where
 * the conversation stands).
 */
export function historyBefore ({ recent, turns, duplicate }: AppendResult, messageId: string | undefined): ConversationHistory {
  let end = recent.length
  if (!duplicate) end -= 1
  else if (messageId !== undefined) {
    const at = recent.findLastIndex(e => e.messageId === messageId)
    if (at >= 0) end = at
  }
  end = Math.max(0, end)
  return { events: recent.slice(0, end), turns: Math.max(0, turns - (recent.length - end)) }
}
