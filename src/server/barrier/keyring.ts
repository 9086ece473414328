// The barrier keyring: numbered data-key terms, the active one for writes, all for reads; and its JSON form.
import { KEY_BYTES } from '../../lib/sealed-value.ts'

export interface KeyTerm {
  readonly term: number
  readonly key: Uint8Array
  /** Milliseconds since the epoch. */
  readonly installTime: number
}

export interface Keyring {
  readonly activeTerm: number
  readonly terms: ReadonlyMap<number, KeyTerm>
}

interface KeyringJson {
  version: 1
  activeTerm: number
  terms: { term: number; key: string; installTime: number }[]
}

export function createKeyring(key: Uint8Array, installTime: number): Keyring {
  return { activeTerm: 1, terms: new Map([[1, { term: 1, key: key.slice(), installTime }]]) }
}

/** A copy of `keyring` with a new active term one past the highest existing one. */
export function addTerm(keyring: Keyring, key: Uint8Array, installTime: number): Keyring {
  const term = Math.max(...keyring.terms.keys()) + 1
  const terms = new Map(keyring.terms)
  terms.set(term, { term, key: key.slice(), installTime })
  return { activeTerm: term, terms }
}

export function activeTerm(keyring: Keyring): KeyTerm {
  const entry = keyring.terms.get(keyring.activeTerm)
  if (entry === undefined) throw new Error('keyring has no entry for its active term')
  return entry
}

export function encodeKeyring(keyring: Keyring): Uint8Array {
  const json: KeyringJson = {
    version: 1,
    activeTerm: keyring.activeTerm,
    terms: [...keyring.terms.values()].map((t) => ({
      term: t.term,
      key: Buffer.from(t.key).toString('base64'),
      installTime: t.installTime,
    })),
  }
  return new TextEncoder().encode(JSON.stringify(json))
}

/** Parse and check a stored keyring; messages describe the defect, never the key material. */
export function decodeKeyring(bytes: Uint8Array): Keyring {
  let json: KeyringJson
  try {
    json = JSON.parse(new TextDecoder().decode(bytes)) as KeyringJson
  } catch {
    throw new Error('keyring is not valid JSON')
  }
  if (json?.version !== 1 || !Array.isArray(json.terms)) throw new Error('keyring has an unknown layout')
  const terms = new Map<number, KeyTerm>()
  for (const entry of json.terms) {
    const { term, key, installTime } = entry ?? {}
    if (!Number.isInteger(term) || term < 1 || typeof key !== 'string' || !Number.isFinite(installTime)) {
      throw new Error('keyring has a malformed term')
    }
    const raw = new Uint8Array(Buffer.from(key, 'base64'))
    if (raw.byteLength !== KEY_BYTES) throw new Error(`keyring term ${term} has a key of the wrong size`)
    if (terms.has(term)) throw new Error(`keyring term ${term} appears twice`)
    terms.set(term, { term, key: raw, installTime })
  }
  if (!terms.has(json.activeTerm)) throw new Error('keyring active term is missing')
  return { activeTerm: json.activeTerm, terms }
}

/** Overwrite every key in place so sealing leaves no copy in memory the GC may keep around. */
export function wipeKeyring(keyring: Keyring): void {
  for (const entry of keyring.terms.values()) entry.key.fill(0)
}
