// The scanner's data model: rules as data, raw matches, findings and the pluggable candidate matcher.

/** What kind of text a file holds, which decides how unquoted assignment values are read. */
export type FileKind =
  | 'code'
  | 'env'
  | 'config'
  | 'yaml'
  | 'json'
  | 'notebook'
  | 'docker'
  | 'terraform'
  | 'text'

/** One detection rule. Everything but `validate`/`detect` is plain data so the rule list documents itself. */
export interface Rule {
  id: string
  description: string
  /** Literal lower-case words; the rule runs only on lines where one appears (the keyword prefilter). */
  keywords: readonly string[]
  /** The secret is capture group `group` (default 1). Compiled once with the `g` flag added. */
  pattern?: RegExp
  group?: number
  /** Minimum Shannon entropy (bits per character) of the secret. */
  minEntropy?: number
  /** Format checks beyond the regex: checksums, decodable base64, JSON headers. */
  validate?: (secret: string) => boolean
  /** The match may span lines (PEM blocks): the pattern runs from the keyword's line over the text. */
  multiline?: boolean
  /** For rules a regex cannot express (Kubernetes manifests, generic assignments). */
  detect?: (text: string, lineStart: number, lineEnd: number, kind: FileKind) => RawMatch[]
  /** Specific formats beat structural ones beat generic ones when matches overlap. */
  priority?: number
  /** Skip the documentation-placeholder check: the format's checksum already proves it is not typed by hand. */
  checksummed?: boolean
}

/** A match before suppression: offsets of the secret in the scanned text. */
export interface RawMatch {
  ruleId: string
  start: number
  end: number
  secret: string
  /** A matcher's text for this one match (e.g. which stored secret it is); the rule's description otherwise. */
  message?: string
}

export interface Finding {
  ruleId: string
  description: string
  /** File path (relative to the scan root where possible), or "-" for stdin. */
  path: string
  line: number
  column: number
  /** The secret itself: kept in memory for suppression and fingerprints, never written by a reporter. */
  secret: string
  masked: string
  /** Stable identity for baselines: sha256 over rule, path and secret. */
  fingerprint: string
  commit?: string
  author?: string
  email?: string
  date?: string
}

/**
 * A hook for detectors that recognise values rather than formats (e.g. fingerprints of secrets known to a
 * server). It receives every candidate value the scanner extracted: assignment values and rule matches.
 */
export interface CandidateMatcher {
  id: string
  match(candidate: string): { ruleId: string; description: string; message?: string } | undefined
}
