// PKCS#8 private keys Node cannot use as they are but Vault imports: NSS-style Ed25519 (an ECPrivateKey on the Ed25519 curve OID) and RSA-PSS.
import crypto from 'node:crypto'

interface Tlv {
  tag: number
  content: Buffer
  /** The whole element, tag and length included. */
  element: Buffer
}

/** DER's elements laid side by side in `der`, or undefined when it is not well formed. */
function elements(der: Buffer): Tlv[] | undefined {
  const out: Tlv[] = []
  let at = 0
  while (at < der.length) {
    const tag = der[at] as number
    let length = der[at + 1]
    if (length === undefined) return undefined
    let header = 2
    if (length & 0x80) {
      const bytes = length & 0x7f
      if (bytes === 0 || bytes > 4 || at + 2 + bytes > der.length) return undefined
      length = der.readUIntBE(at + 2, bytes)
      header += bytes
    }
    const end = at + header + length
    if (end > der.length) return undefined
    out.push({ tag, content: der.subarray(at + header, end), element: der.subarray(at, end) })
    at = end
  }
  return out
}

/** The one SEQUENCE `der` is, as its elements. */
function sequence(der: Buffer): Tlv[] | undefined {
  const outer = elements(der)
  if (outer?.length !== 1 || outer[0]?.tag !== 0x30) return undefined
  return elements(outer[0].content)
}

const OID = 0x06
const OCTET_STRING = 0x04
const RSASSA_PSS = Buffer.from('2a864886f70d01010a', 'hex')
const EC_PUBLIC_KEY = Buffer.from('2a8648ce3d0201', 'hex')
/** NSS's Ed25519 curve OID (1.3.6.1.4.1.11591.15.1) and RFC 8410's X25519 OID some tools put there (1.3.101.110). */
const ED25519_CURVES = [Buffer.from('2b06010401da470f01', 'hex'), Buffer.from('2b656e', 'hex')]
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * The private key in a PKCS#8 blob that Vault's fallback parsers accept: an RSA-PSS key becomes the plain RSA key it
 * holds (the same modulus and exponents), an NSS-style Ed25519 key the Ed25519 key of its 32-byte seed. Undefined for
 * anything else.
 */
export function parseLegacyPkcs8(der: Buffer): crypto.KeyObject | undefined {
  const [version, algorithm, privateKey] = sequence(der) ?? []
  if (version?.tag !== 0x02 || algorithm?.tag !== 0x30 || privateKey?.tag !== OCTET_STRING) return undefined
  const [oid, parameters] = elements(algorithm.content) ?? []
  if (oid?.tag !== OID) return undefined
  try {
    if (oid.content.equals(RSASSA_PSS))
      return crypto.createPrivateKey({ key: privateKey.content, format: 'der', type: 'pkcs1' })
    if (!oid.content.equals(EC_PUBLIC_KEY) || parameters?.tag !== OID) return undefined
    if (!ED25519_CURVES.some((curve) => curve.equals(parameters.content))) return undefined
    const [, seed] = sequence(privateKey.content) ?? []
    if (seed?.tag !== OCTET_STRING || seed.content.length !== 32) return undefined
    return crypto.createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed.content]),
      format: 'der',
      type: 'pkcs8',
    })
  } catch {
    return undefined
  }
}
