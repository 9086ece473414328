// Candidate strings for value matchers: every token of a text between common delimiters, 8–512 characters.

/** Shortest and longest token offered: shorter strings are too common to mean anything, longer ones are blobs. */
const MIN_CANDIDATE = 8
const MAX_CANDIDATE = 512

/**
 * Calls `visit` with each token and its offset. A token ending in full stops (the end of a sentence
 * in prose or a log line) is offered a second time without them.
 */
export function forEachCandidate(text: string, visit: (value: string, index: number) => void): void {
  // Runs of characters that are not whitespace, quotes, backticks, `=`, `:`, `,`, `;` or brackets.
  const re = /[^\s"'`=:,;()[\]{}<>]+/g
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const token = m[0]
    if (token.length < MIN_CANDIDATE || token.length > MAX_CANDIDATE) continue
    visit(token, m.index)
    if (token.charCodeAt(token.length - 1) === 46) {
      const trimmed = token.replace(/\.+$/, '')
      if (trimmed.length >= MIN_CANDIDATE) visit(trimmed, m.index)
    }
    // A value inside a URL or a path (`https://h/x/<key>`, `user@host`, `?token=…&`) is offered on its own
    // too; the whole token was offered first, so a base64 value containing `/` still matches.
    if (URL_PARTS.test(token)) {
      const parts = /[^/@?&#]+/g
      for (let p = parts.exec(token); p !== null; p = parts.exec(token))
        if (p[0].length >= MIN_CANDIDATE && p[0].length < token.length) visit(p[0], m.index + p.index)
    }
  }
}

const URL_PARTS = /[/@?&#]/

/** Every distinct candidate in `text` (for tests and one-off callers). */
export function candidates(text: string): string[] {
  const out = new Set<string>()
  forEachCandidate(text, (value) => out.add(value))
  return [...out]
}
