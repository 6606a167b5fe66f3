// Finds configured phrases in customer text: case-insensitive, whole words only, in time linear in the
// text whatever it holds. Text and phrases are cut into words the same way (letters and digits; everything
// else separates), then an Aho-Corasick automaton over words finds any phrase in one pass. No regular
// expression is built from configuration, so a phrase cannot make matching slow.

const WORD = /[\p{L}\p{N}]+/gu

/** The normalised words of a text: NFKC, lower case, split on anything that is not a letter or digit. */
export function words (text: string): string[] {
  return Array.from(normalise(text).matchAll(WORD), m => m[0])
}

function normalise (text: string): string {
  return text.normalize('NFKC').toLowerCase()
}

interface Node {
  next: Map<string, Node>
  fail: Node | null
  /** the phrase that ends here, or at the longest suffix that is one */
  match: string | null
}

function node (): Node {
  return { next: new Map(), fail: null, match: null }
}

export class PhraseMatcher {
  /** the phrases in normalised form (words joined by one space), without repeats */
  readonly phrases: string[]
  private readonly root: Node = node()

  /** Each phrase must hold at least one word (see words()). */
  constructor (phrases: readonly string[]) {
    const seen = new Set<string>()
    for (const phrase of phrases) {
      const parts = words(phrase)
      if (parts.length === 0) throw new Error(`phrase '${phrase}' has no words to match`)
      const key = parts.join(' ')
      if (seen.has(key)) continue
      seen.add(key)
      let at = this.root
      for (const part of parts) {
        let child = at.next.get(part)
        if (child === undefined) at.next.set(part, child = node())
        at = child
      }
      at.match = key
    }
    this.phrases = [...seen]
    this.link()
  }

  /** The first phrase found in the text (the one that ends earliest), or null. */
  find (text: string): string | null {
    if (text === '') return null
    const pattern = new RegExp(WORD.source, WORD.flags)
    const normalised = normalise(text)
    let at = this.root
    for (let m = pattern.exec(normalised); m !== null; m = pattern.exec(normalised)) {
      const word = m[0]
      let next = at.next.get(word)
      while (next === undefined && at !== this.root) {
        at = at.fail ?? this.root
        next = at.next.get(word)
      }
      at = next ?? this.root
      if (at.match !== null) return at.match
    }
    return null
  }

  /** Failure links, breadth first: where to continue when the next word does not extend the match. */
  private link (): void {
    const queue: Node[] = []
    for (const child of this.root.next.values()) {
      child.fail = this.root
      queue.push(child)
    }
    for (let i = 0; i < queue.length; i++) {
      const current = queue[i] as Node
      for (const [word, child] of current.next) {
        let fallback = current.fail
        while (fallback !== null && !fallback.next.has(word)) fallback = fallback.fail
        child.fail = fallback?.next.get(word) ?? this.root
        child.match ??= child.fail.match
        queue.push(child)
      }
    }
  }
}
