// A CRL's revoked serial numbers (PEM or DER), read with the DER reader, and the mount's CRLs in storage ("crls/<name>").
import { getJson, putJson, type Storage } from '../../../sdk/storage.ts'
import { children, contents, DerError, readTlv } from './der.ts'

const SEQUENCE = 0x30
const INTEGER = 0x02
const UTC_TIME = 0x17
const GENERALIZED_TIME = 0x18
const PREFIX = 'crls/'

export interface CrlEntry {
  /** Revoked serial numbers in decimal, as Vault lists them. */
  serials: string[]
}

/** The DER of a PEM "X509 CRL" block, or the input itself when it is already DER. */
function crlDer(input: string | Buffer): Buffer {
  const text = typeof input === 'string' ? input : input.toString('latin1')
  const pem = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(text)
  if (pem) return Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64')
  return typeof input === 'string' ? Buffer.from(input, 'latin1') : input
}

/** The serial numbers a CRL revokes; throws DerError on anything that is not a CRL. */
export function parseCrlSerials(input: string | Buffer): string[] {
  const der = crlDer(input)
  if (der.length === 0) throw new DerError('empty CRL')
  const list = readTlv(der, 0)
  if (list.tag !== SEQUENCE || list.end !== der.length) throw new DerError('not a CRL')
  const [tbs] = children(der, list)
  if (!tbs || tbs.tag !== SEQUENCE) throw new DerError('not a CRL')
  const parts = children(der, tbs)
  // version is optional; then signature algorithm, issuer, thisUpdate, an optional nextUpdate.
  let at = parts[0]?.tag === INTEGER ? 1 : 0
  if (parts[at]?.tag !== SEQUENCE || parts[at + 1]?.tag !== SEQUENCE) throw new DerError('not a CRL')
  at += 2
  const isTime = (tag: number | undefined) => tag === UTC_TIME || tag === GENERALIZED_TIME
  if (!isTime(parts[at]?.tag)) throw new DerError('not a CRL')
  at += 1
  if (isTime(parts[at]?.tag)) at += 1
  const revoked = parts[at]
  if (!revoked || revoked.tag !== SEQUENCE) return []
  return children(der, revoked).map((entry) => {
    const serial = entry.tag === SEQUENCE ? children(der, entry)[0] : undefined
    if (!serial || serial.tag !== INTEGER) throw new DerError('malformed revoked certificate entry')
    const bytes = contents(der, serial)
    return bytes.length === 0 ? '0' : BigInt(`0x${bytes.toString('hex')}`).toString()
  })
}

export function loadCrl(storage: Storage, name: string): Promise<CrlEntry | undefined> {
  return getJson<CrlEntry>(storage, PREFIX + name)
}

export function saveCrl(storage: Storage, name: string, entry: CrlEntry): Promise<void> {
  return putJson(storage, PREFIX + name, entry)
}

export function deleteCrl(storage: Storage, name: string): Promise<void> {
  return storage.delete(PREFIX + name)
}

export function listCrls(storage: Storage): Promise<string[]> {
  return storage.list(PREFIX)
}

/** Every serial any of the mount's CRLs revokes. */
export async function revokedSerials(storage: Storage): Promise<Set<string>> {
  const out = new Set<string>()
  for (const name of await listCrls(storage))
    for (const serial of (await loadCrl(storage, name))?.serials ?? []) out.add(serial)
  return out
}
