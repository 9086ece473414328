// The parts of an X.509 certificate the cert auth method matches on, read from its DER.
import { children, contents, DerError, decodeOid, decodeString, readTlv, type Tlv } from './der.ts'
import { type NameConstraints, parseNameConstraints } from './name-constraints.ts'

export interface CertFields {
  commonName: string
  organizationalUnits: string[]
  dnsNames: string[]
  emails: string[]
  uris: string[]
  /** IP address SANs, 4 or 16 bytes each. */
  ipAddresses: Buffer[]
  /** Whether the certificate has a subject alternative name extension (name constraints look only at SANs). */
  hasSan: boolean
  /** A CA's name constraints on the certificates below it. */
  nameConstraints: NameConstraints | undefined
  /**
   * A critical extension Go's x509 parser does not handle: Go's verifier refuses such a certificate anywhere on a
   * chain, as RFC 5280 requires of an extension it cannot process.
   */
  unhandledCritical: boolean
  /** Extended key usage OIDs; undefined when the certificate has no such extension (any use allowed). */
  extKeyUsage: string[] | undefined
  subjectKeyId: Buffer
  authorityKeyId: Buffer
  /** A CA's basic-constraints pathLenConstraint: how many intermediates may follow it; undefined for no limit. */
  maxPathLen: number | undefined
  /** Every extension's value (the contents of extnValue) by dotted OID. */
  extensions: Map<string, Buffer>
}

const OID_CN = '2.5.4.3'
const OID_OU = '2.5.4.11'
const OID_SAN = '2.5.29.17'
const OID_EKU = '2.5.29.37'
const OID_SKID = '2.5.29.14'
const OID_AKID = '2.5.29.35'
const OID_BASIC_CONSTRAINTS = '2.5.29.19'
const OID_NAME_CONSTRAINTS = '2.5.29.30'
/**
 * Extensions Go's parser understands, so that marking them critical is fine: key usage, basic constraints, CRL
 * distribution points, certificate policies, policy mappings and constraints, inhibit anyPolicy, EKU and the
 * authority key ID. The SAN and name constraints count only when Go can read what they hold (see below); a
 * critical subject key ID or authority information access is refused by Go's parser, so by Coffer too.
 */
const HANDLED_WHEN_CRITICAL = new Set(
  ['15', '19', '31', '32', '33', '35', '36', '37', '54'].map((n) => `2.5.29.${n}`),
)
const BOOLEAN = 0x01

const SEQUENCE = 0x30
const OCTET_STRING = 0x04
const OID = 0x06
const EXTENSIONS = 0xa3
const SAN_EMAIL = 0x81
const SAN_DNS = 0x82
const SAN_URI = 0x86
const SAN_IP = 0x87
const AKID_KEY_ID = 0x80
const INTEGER = 0x02

/** Throws DerError on a certificate whose structure is not X.509 as expected. */
export function readCertFields(der: Buffer): CertFields {
  const cert = expect(readTlv(der, 0), SEQUENCE)
  const tbs = expect(children(der, cert)[0], SEQUENCE)
  const parts = children(der, tbs)
  // version [0] is optional; after it come serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
  const base = parts[0]?.tag === 0xa0 ? 1 : 0
  const subject = expect(parts[base + 4], SEQUENCE)
  const fields: CertFields = {
    commonName: '',
    organizationalUnits: [],
    dnsNames: [],
    emails: [],
    uris: [],
    ipAddresses: [],
    hasSan: false,
    nameConstraints: undefined,
    unhandledCritical: false,
    extKeyUsage: undefined,
    subjectKeyId: Buffer.alloc(0),
    authorityKeyId: Buffer.alloc(0),
    maxPathLen: undefined,
    extensions: new Map(),
  }
  readName(der, subject, fields)
  const extensions = parts.slice(base + 6).find((part) => part.tag === EXTENSIONS)
  const critical: string[] = []
  if (extensions) {
    const list = expect(children(der, extensions)[0], SEQUENCE)
    for (const ext of children(der, list)) {
      const items = children(der, expect(ext, SEQUENCE))
      const oid = decodeOid(contents(der, expect(items[0], OID)))
      const value = expect(items.at(-1), OCTET_STRING)
      // Go refuses a certificate carrying one extension twice.
      if (fields.extensions.has(oid)) throw new DerError('certificate contains duplicate extension')
      fields.extensions.set(oid, contents(der, value))
      const flag = items.length === 3 ? items[1] : undefined
      if (flag?.tag === BOOLEAN && contents(der, flag)[0] !== 0) critical.push(oid)
    }
  }
  readExtensions(fields)
  fields.unhandledCritical = critical.some((oid) => !handledWhenCritical(oid, fields))
  return fields
}

function expect(tlv: Tlv | undefined, tag: number): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError('unexpected certificate structure')
  return tlv
}

/** Name ::= SEQUENCE OF SET OF { type OID, value string }; Go's CommonName is the last CN seen. */
function readName(der: Buffer, name: Tlv, fields: CertFields): void {
  for (const rdn of children(der, name)) {
    for (const attribute of children(der, rdn)) {
      const [type, value] = children(der, attribute)
      if (!type || !value || type.tag !== OID) continue
      const oid = decodeOid(contents(der, type))
      const text = decodeString(der, value)
      if (text === undefined) continue
      if (oid === OID_CN) fields.commonName = text
      else if (oid === OID_OU) fields.organizationalUnits.push(text)
    }
  }
}

function handledWhenCritical(oid: string, fields: CertFields): boolean {
  if (HANDLED_WHEN_CRITICAL.has(oid)) return true
  if (oid === OID_SAN)
    return fields.dnsNames.length + fields.emails.length + fields.uris.length + fields.ipAddresses.length > 0
  if (oid === OID_NAME_CONSTRAINTS) return fields.nameConstraints?.unsupported === false
  return false
}

function readExtensions(fields: CertFields): void {
  const san = fields.extensions.get(OID_SAN)
  if (san) {
    fields.hasSan = true
    for (const name of children(san, readTlv(san, 0))) {
      const bytes = contents(san, name)
      const text = bytes.toString('latin1')
      if (name.tag === SAN_DNS) fields.dnsNames.push(text)
      else if (name.tag === SAN_EMAIL) fields.emails.push(text)
      else if (name.tag === SAN_URI) fields.uris.push(text)
      else if (name.tag === SAN_IP) fields.ipAddresses.push(Buffer.from(bytes))
    }
  }
  const constraints = fields.extensions.get(OID_NAME_CONSTRAINTS)
  if (constraints) fields.nameConstraints = parseNameConstraints(constraints)
  const eku = fields.extensions.get(OID_EKU)
  if (eku) fields.extKeyUsage = children(eku, readTlv(eku, 0)).map((oid) => decodeOid(contents(eku, oid)))
  const basic = fields.extensions.get(OID_BASIC_CONSTRAINTS)
  if (basic) {
    const pathLen = children(basic, readTlv(basic, 0)).find((part) => part.tag === INTEGER)
    if (pathLen) fields.maxPathLen = pathLenValue(contents(basic, pathLen))
  }
  const skid = fields.extensions.get(OID_SKID)
  if (skid) fields.subjectKeyId = contents(skid, expect(readTlv(skid, 0), OCTET_STRING))
  const akid = fields.extensions.get(OID_AKID)
  if (akid) {
    const keyId = children(akid, readTlv(akid, 0)).find((part) => part.tag === AKID_KEY_ID)
    if (keyId) fields.authorityKeyId = contents(akid, keyId)
  }
}

/** A non-negative DER INTEGER small enough to be a path length; anything else is malformed, as Go's parser has it. */
function pathLenValue(bytes: Buffer): number {
  if (bytes.length === 0 || bytes.length > 4 || (bytes[0]! & 0x80) !== 0)
    throw new DerError('invalid basic constraints path length')
  return bytes.readUIntBE(0, bytes.length)
}

/** An extension's value as Vault reads it for required_extensions: an ASN.1 string, or '' when it is not one. */
export function extensionString(value: Buffer): string {
  try {
    return decodeString(value, readTlv(value, 0)) ?? ''
  } catch {
    return ''
  }
}

/** Go's certutil.GetHexFormatted: lower-case hex bytes joined by ':'. */
export function hexColons(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':')
}
