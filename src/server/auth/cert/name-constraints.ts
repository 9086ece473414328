// X.509 name constraints (RFC 5280 4.2.1.10) read from a CA certificate and checked against a client's SANs, as Go's verifier does for Vault.
import { isIP } from 'node:net'
import { children, contents, DerError, readTlv } from './der.ts'

interface IpRange {
  ip: Buffer
  mask: Buffer
}

export interface Subtrees {
  dns: string[]
  emails: string[]
  uris: string[]
  ips: IpRange[]
}

export interface NameConstraints {
  permitted: Subtrees
  excluded: Subtrees
  /** A subtree of a name type Go does not check (directoryName, otherName...): critical, the CA is refused. */
  unsupported: boolean
}

/** The SAN values a certificate claims, which the constraints of the CAs above it must allow. */
export interface SanNames {
  dnsNames: string[]
  emails: string[]
  uris: string[]
  ipAddresses: Buffer[]
}

const PERMITTED = 0xa0
const EXCLUDED = 0xa1
const SEQUENCE = 0x30
const EMAIL = 0x81
const DNS = 0x82
const URI = 0x86
const IP = 0x87

/** Parses the extension's value; throws DerError where Go's parser refuses the certificate. */
export function parseNameConstraints(value: Buffer): NameConstraints {
  const top = readTlv(value, 0)
  if (top.tag !== SEQUENCE || top.end !== value.length)
    throw new DerError('invalid NameConstraints extension')
  const parts = children(value, top)
  const permittedPart = parts.find((p) => p.tag === PERMITTED)
  const excludedPart = parts.find((p) => p.tag === EXCLUDED)
  if (parts.length === 0 || parts.some((p) => p.tag !== PERMITTED && p.tag !== EXCLUDED))
    throw new DerError('invalid NameConstraints extension')
  const out: NameConstraints = { permitted: emptySubtrees(), excluded: emptySubtrees(), unsupported: false }
  for (const [part, into] of [
    [permittedPart, out.permitted],
    [excludedPart, out.excluded],
  ] as const) {
    if (!part) continue
    const subtrees = children(value, part)
    if (subtrees.length === 0) throw new DerError('empty name constraints subtree sequence')
    for (const subtree of subtrees) {
      const base = subtree.tag === SEQUENCE ? children(value, subtree)[0] : undefined
      if (!base) throw new DerError('invalid NameConstraints extension')
      const bytes = contents(value, base)
      const text = bytes.toString('latin1')
      switch (base.tag) {
        case DNS:
          if (!domainValid(text, true)) throw new DerError('failed to parse dnsName constraint')
          into.dns.push(text)
          break
        case EMAIL:
          if (text.includes('@') ? !parseMailbox(text) : !domainValid(text, true))
            throw new DerError('failed to parse rfc822Name constraint')
          into.emails.push(text)
          break
        case URI:
          if (isIP(text) !== 0 || !domainValid(text, true))
            throw new DerError('failed to parse URI constraint')
          into.uris.push(text)
          break
        case IP: {
          if (bytes.length !== 8 && bytes.length !== 32) throw new DerError('invalid IP constraint')
          const half = bytes.length / 2
          into.ips.push({ ip: bytes.subarray(0, half), mask: bytes.subarray(half) })
          break
        }
        default:
          out.unsupported = true
      }
    }
  }
  return out
}

function emptySubtrees(): Subtrees {
  return { dns: [], emails: [], uris: [], ips: [] }
}

export function hasConstraints(nc: NameConstraints | undefined): nc is NameConstraints {
  if (!nc) return false
  const any = (s: Subtrees) => s.dns.length + s.emails.length + s.uris.length + s.ips.length > 0
  return any(nc.permitted) || any(nc.excluded)
}

/**
 * Why the CA's constraints do not allow `names`, in Go's words; undefined when they do. Every name must be in a
 * permitted subtree of its type (when the CA lists any of that type) and in no excluded one.
 */
export function nameConstraintViolation(nc: NameConstraints, names: SanNames): string | undefined {
  for (const name of names.emails) {
    const mailbox = parseMailbox(name)
    if (!mailbox) return `cannot parse rfc822Name "${name}"`
    const why = check('email address', name, nc.permitted.emails, nc.excluded.emails, (c) =>
      emailMatches(mailbox, c),
    )
    if (why) return why
  }
  for (const name of names.dnsNames) {
    if (!reverseLabels(name)) return `cannot parse dnsName "${name}"`
    const why = check('DNS name', name, nc.permitted.dns, nc.excluded.dns, (c) => domainMatches(name, c))
    if (why) return why
  }
  for (const name of names.uris) {
    const why = check('URI', name, nc.permitted.uris, nc.excluded.uris, (c) => uriMatches(name, c))
    if (why) return why
  }
  for (const ip of names.ipAddresses) {
    if (ip.length !== 4 && ip.length !== 16) return `IP SAN ${ip.toString('hex')} failed to parse`
    const why = checkIp(ipText(ip), ip, nc)
    if (why) return why
  }
  return undefined
}

/** A match that cannot be decided (a URI whose host is an IP address...) refuses the name with its reason. */
class Undecidable extends Error {}

function check(
  kind: string,
  name: string,
  permitted: string[],
  excluded: string[],
  matches: (constraint: string) => boolean,
): string | undefined {
  try {
    const hit = excluded.find(matches)
    if (hit !== undefined) return `${kind} "${name}" is excluded by constraint "${hit}"`
    if (permitted.length > 0 && !permitted.some(matches))
      return `${kind} "${name}" is not permitted by any constraint`
  } catch (error) {
    if (error instanceof Undecidable) return error.message
    throw error
  }
  return undefined
}

function checkIp(text: string, ip: Buffer, nc: NameConstraints): string | undefined {
  const inRange = (r: IpRange) =>
    r.ip.length === ip.length && [...ip].every((byte, i) => (byte & r.mask[i]!) === (r.ip[i]! & r.mask[i]!))
  const hit = nc.excluded.ips.find(inRange)
  if (hit) return `IP address "${text}" is excluded by constraint "${rangeText(hit)}"`
  if (nc.permitted.ips.length > 0 && !nc.permitted.ips.some(inRange))
    return `IP address "${text}" is not permitted by any constraint`
  return undefined
}

/** Labels last to first; undefined for a name Go cannot parse (empty labels, a trailing dot, spaces...). */
function reverseLabels(domain: string): string[] | undefined {
  if (domain === '') return []
  const labels = domain.split('.').reverse()
  if (labels.some((label) => label === '' || [...label].some((c) => c < '!' || c > '~'))) return undefined
  return labels
}

function domainValid(domain: string, constraint: boolean): boolean {
  const body = constraint && domain.startsWith('.') ? domain.slice(1) : domain
  return reverseLabels(body) !== undefined
}

/** RFC 5280 with Go's extension: "example.com" covers it and its subdomains, ".example.com" only subdomains. */
function domainMatches(domain: string, constraint: string): boolean {
  if (constraint === '') return true
  const name = reverseLabels(domain)
  if (!name) throw new Undecidable(`cannot parse domain "${domain}"`)
  const subdomainsOnly = constraint.startsWith('.')
  const wanted = reverseLabels(subdomainsOnly ? constraint.slice(1) : constraint) ?? []
  if (name.length < wanted.length || (subdomainsOnly && name.length === wanted.length)) return false
  return wanted.every((label, i) => label.toLowerCase() === name[i]!.toLowerCase())
}

interface Mailbox {
  local: string
  domain: string
}

function parseMailbox(text: string): Mailbox | undefined {
  const at = text.lastIndexOf('@')
  if (at <= 0) return undefined
  const mailbox = { local: text.slice(0, at), domain: text.slice(at + 1) }
  return reverseLabels(mailbox.domain) && mailbox.domain !== '' ? mailbox : undefined
}

/** A constraint with "@" is one exact mailbox; otherwise it constrains the mailbox's domain. */
function emailMatches(mailbox: Mailbox, constraint: string): boolean {
  if (constraint.includes('@')) {
    const wanted = parseMailbox(constraint)
    return (
      wanted !== undefined &&
      wanted.local === mailbox.local &&
      wanted.domain.toLowerCase() === mailbox.domain.toLowerCase()
    )
  }
  return domainMatches(mailbox.domain, constraint)
}

/** RFC 5280: a URI is constrained by its host, which must be a domain name (no IP address, not empty). */
function uriMatches(uri: string, constraint: string): boolean {
  let host: string
  try {
    host = new URL(uri).hostname
  } catch {
    throw new Undecidable(`URI SAN "${uri}" failed to parse`)
  }
  if (host === '')
    throw new Undecidable(`URI with empty host ("${uri}") cannot be matched against constraints`)
  if (host.startsWith('[') || isIP(host) !== 0)
    throw new Undecidable(`URI with IP ("${uri}") cannot be matched against constraints`)
  return domainMatches(host, constraint)
}

function ipText(ip: Buffer): string {
  if (ip.length === 4) return [...ip].join('.')
  const groups: string[] = []
  for (let i = 0; i + 1 < ip.length; i += 2) groups.push(ip.readUInt16BE(i).toString(16))
  // The URL parser writes an IPv6 address in its canonical, compressed form.
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1)
}

function rangeText(range: IpRange): string {
  const bits = [...range.mask].reduce((n, byte) => n + byte.toString(2).replaceAll('0', '').length, 0)
  return `${ipText(range.ip)}/${bits}`
}
