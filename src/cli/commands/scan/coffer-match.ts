// `coffer scan -coffer`: collect candidate strings, ask the server which are digests of its stored values, report those.
import { createHash } from 'node:crypto'
import type { VaultClient } from '../../../client/index.ts'
import type { CandidateMatcher } from '../../../scanner/index.ts'

const COFFER_RULE_ID = 'coffer-secret'
const COFFER_RULE_DESCRIPTION = 'Value of a secret stored in Coffer'
/** The server's per-request limit (sys/leak/fingerprints). */
const DIGEST_BATCH = 10_000

export interface StoredRef {
  path: string
  field: string
  version?: number
}

/** "secret/data/prod/db#password v3" (no version for KV v1). */
function refText(ref: StoredRef): string {
  return `${ref.path}#${ref.field}${ref.version !== undefined ? ` v${ref.version}` : ''}`
}

/** First pass: remembers every candidate the scanner extracts and claims none. */
export class CandidateCollector implements CandidateMatcher {
  readonly id = 'coffer-collect'
  readonly seen = new Set<string>()
  match(candidate: string): undefined {
    this.seen.add(candidate)
    return undefined
  }
}

/** Second pass: claims the candidates the server recognised, naming the stored secret(s) each one is. */
export class CofferMatcher implements CandidateMatcher {
  readonly id = 'coffer'
  readonly #known: ReadonlyMap<string, readonly StoredRef[]>
  constructor(known: ReadonlyMap<string, readonly StoredRef[]>) {
    this.#known = known
  }
  match(candidate: string) {
    const refs = this.#known.get(candidate)
    if (!refs) return undefined
    return {
      ruleId: COFFER_RULE_ID,
      description: COFFER_RULE_DESCRIPTION,
      message: `matches ${refs.map(refText).join(', ')}`,
    }
  }
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

function parseRef(value: unknown): (StoredRef & { digest: string }) | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const { digest, path, field, version } = value as Record<string, unknown>
  if (typeof digest !== 'string' || typeof path !== 'string' || typeof field !== 'string') return undefined
  return { digest, path, field, ...(typeof version === 'number' ? { version } : {}) }
}

/**
 * Sends the SHA-256 of every candidate (never the candidate) in batches and maps the answers back to the
 * candidates. Only strings the scan itself found can come back: the server answers digests it was sent.
 */
export async function lookupCandidates(
  client: VaultClient,
  candidates: Iterable<string>,
): Promise<Map<string, StoredRef[]>> {
  const byDigest = new Map<string, string>()
  for (const candidate of candidates) byDigest.set(sha256Hex(candidate), candidate)
  const digests = [...byDigest.keys()]
  const known = new Map<string, StoredRef[]>()
  for (let i = 0; i < digests.length; i += DIGEST_BATCH) {
    const envelope = await client.write('sys/leak/fingerprints', {
      digests: digests.slice(i, i + DIGEST_BATCH),
    })
    const matches = envelope?.data?.['matches']
    if (!Array.isArray(matches)) throw new Error('the server answered without a "matches" list')
    for (const raw of matches) {
      const ref = parseRef(raw)
      const candidate = ref && byDigest.get(ref.digest)
      if (!ref || candidate === undefined) continue
      const { digest: _digest, ...stored } = ref
      const list = known.get(candidate) ?? []
      if (!list.some((r) => refText(r) === refText(stored))) list.push(stored)
      known.set(candidate, list)
    }
  }
  for (const list of known.values()) list.sort((a, b) => refText(a).localeCompare(refText(b)))
  return known
}
