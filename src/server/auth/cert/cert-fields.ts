// The parts of an X.509 certificate the cert auth method matches on, read from its DER.
import { children, contents, DerError, decodeOid, decodeString, readTlv, type Tlv } from './der.ts'

export interface CertFields {
  commonName: string
  organizationalUnits: string[]
  dnsNames: string[]
  emails: string[]
  uris: string[]
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

const SEQUENCE = 0x30
const OCTET_STRING = 0x04
const OID = 0x06
const EXTENSIONS = 0xa3
const SAN_EMAIL = 0x81
const SAN_DNS = 0x82
const SAN_URI = 0x86
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
    extKeyUsage: undefined,
    subjectKeyId: Buffer.alloc(0),
    authorityKeyId: Buffer.alloc(0),
    maxPathLen: undefined,
    extensions: new Map(),
  }
  readName(der, subject, fields)
  const extensions = parts.slice(base + 6).find((part) => part.tag === EXTENSIONS)
  if (extensions) {
    const list = expect(children(der, extensions)[0], SEQUENCE)
    for (const ext of children(der, list)) {
      const items = children(der, expect(ext, SEQUENCE))
      const oid = decodeOid(contents(der, expect(items[0], OID)))
      const value = expect(items.at(-1), OCTET_STRING)
      fields.extensions.set(oid, contents(der, value))
    }
  }
  readExtensions(fields)
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

function readExtensions(fields: CertFields): void {
  const san = fields.extensions.get(OID_SAN)
  if (san) {
    for (const name of children(san, readTlv(san, 0))) {
      const text = contents(san, name).toString('latin1')
      if (name.tag === SAN_DNS) fields.dnsNames.push(text)
      else if (name.tag === SAN_EMAIL) fields.emails.push(text)
      else if (name.tag === SAN_URI) fields.uris.push(text)
    }
  }
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
