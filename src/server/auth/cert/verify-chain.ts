// Builds and checks certificate chains from a client's leaf to a trusted CA; node:crypto does every signature check.
import { X509Certificate } from 'node:crypto'
import { type CertFields, readCertFields } from './cert-fields.ts'
import { hasConstraints, nameConstraintViolation } from './name-constraints.ts'

export interface ParsedCert {
  x509: X509Certificate
  fields: CertFields
}

/** A refusal whose message is safe and useful to show the client. */
export class ChainError extends Error {}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'
const ANY_USAGE = '2.5.29.37.0'
/** Bounds on the search: no real PKI nests deeper, and a hostile client cannot make the walk explode. */
const MAX_DEPTH = 8
const MAX_CHAINS = 16

/** Throws when the bytes are not a certificate; the caller words the error for its input. */
export function parseCert(input: string | Buffer): ParsedCert {
  const x509 = new X509Certificate(input)
  return { x509, fields: readCertFields(x509.raw) }
}

const PEM_BLOCK = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:TRUSTED )?CERTIFICATE-----/g

/** Every certificate in a PEM bundle; blocks that do not parse are skipped, as Vault's parsePEM does. */
export function parsePemBundle(pem: string): ParsedCert[] {
  const out: ParsedCert[] = []
  for (const block of pem.match(PEM_BLOCK) ?? []) {
    try {
      out.push(parseCert(block.replace(/TRUSTED CERTIFICATE/g, 'CERTIFICATE')))
    } catch {
      // Not a certificate we can read: ignored like any other non-certificate PEM block.
    }
  }
  return out
}

function isValidAt(cert: ParsedCert, now: number): boolean {
  return cert.x509.validFromDate.getTime() <= now && now <= cert.x509.validToDate.getTime()
}

function validityText(cert: ParsedCert): string {
  return `valid from ${cert.x509.validFromDate.toISOString()} to ${cert.x509.validToDate.toISOString()}`
}

/** Whether `issuer` is a CA whose key signed `child` (names and key identifiers agree, signature verifies). */
function signedBy(child: ParsedCert, issuer: ParsedCert): boolean {
  if (!issuer.x509.ca || !child.x509.checkIssued(issuer.x509)) return false
  try {
    return child.x509.verify(issuer.x509.publicKey)
  } catch {
    return false
  }
}

/**
 * Go's path-length rule: a CA placed at `index` in a chain (the leaf is 0) has `index - 1` intermediates below it,
 * which must not exceed its pathLenConstraint.
 */
function pathLenAllows(issuer: ParsedCert, index: number): boolean {
  const max = issuer.fields.maxPathLen
  return max === undefined || index - 1 <= max
}

const PATH_LEN_HINT = 'too many intermediates for path length constraint'

/**
 * Why Go's verifier would not put `issuer` (a trusted CA or a presented intermediate) above `chain`, in its order
 * of checks; undefined when it would. A CA's name constraints hold for the leaf's SANs and its own.
 */
function issuerProblem(
  issuer: ParsedCert,
  chain: ParsedCert[],
  now: number,
  what: string,
): string | undefined {
  if (issuer.fields.unhandledCritical) return `${what} has an unhandled critical extension`
  if (!isValidAt(issuer, now)) return `${what} is expired or not yet valid (${validityText(issuer)})`
  const constraints = issuer.fields.nameConstraints
  if (hasConstraints(constraints)) {
    for (const named of [chain[0]!, issuer]) {
      if (!named.fields.hasSan) continue
      const why = nameConstraintViolation(constraints, named.fields)
      if (why) return `a root or intermediate certificate is not authorized to sign for this name: ${why}`
    }
  }
  if (!pathLenAllows(issuer, chain.length)) return PATH_LEN_HINT
  return undefined
}

/** Go's x509 rule for client auth: every certificate that lists extended key usages must allow client auth. */
function allowsClientAuth(chain: ParsedCert[]): boolean {
  return chain.every(
    ({ fields }) =>
      fields.extKeyUsage === undefined ||
      fields.extKeyUsage.includes(CLIENT_AUTH) ||
      fields.extKeyUsage.includes(ANY_USAGE),
  )
}

/**
 * The chains from the presented leaf (through presented CA intermediates) to one of `roots`, each ending at the
 * trusted certificate. Empty when no chain reaches a root; throws ChainError for a chain that exists but is not
 * acceptable (expired certificates, no client-auth usage), as Go's verifier does for Vault.
 */
export function verifiedChains(presented: ParsedCert[], roots: ParsedCert[], now: number): ParsedCert[][] {
  const leaf = presented[0]
  if (!leaf) return []
  if (leaf.fields.unhandledCritical)
    throw new ChainError("failed to verify client's certificate: unhandled critical extension")
  if (!isValidAt(leaf, now))
    throw new ChainError(
      `failed to verify client's certificate: certificate has expired or is not yet valid (${validityText(leaf)})`,
    )
  const intermediates = presented.slice(1)
  const chains: ParsedCert[][] = []
  let hint: string | undefined
  const extend = (chain: ParsedCert[]): void => {
    const current = chain.at(-1)!
    for (const root of roots) {
      if (chains.length >= MAX_CHAINS) return
      if (current.x509.raw.equals(root.x509.raw)) chains.push(chain)
      else if (signedBy(current, root)) {
        const problem = issuerProblem(root, chain, now, 'trusted CA certificate')
        if (problem) hint = problem
        else chains.push([...chain, root])
      }
    }
    if (chain.length >= MAX_DEPTH) return
    for (const next of intermediates) {
      if (chains.length >= MAX_CHAINS) return
      if (chain.includes(next) || !signedBy(current, next)) continue
      const problem = issuerProblem(next, chain, now, 'intermediate certificate')
      if (problem) hint = problem
      else extend([...chain, next])
    }
  }
  extend([leaf])
  if (chains.length === 0) {
    if (hint) throw new ChainError(`failed to verify client's certificate: ${hint}`)
    return []
  }
  const usable = chains.filter(allowsClientAuth)
  if (usable.length === 0)
    throw new ChainError(
      "failed to verify client's certificate: certificate specifies an incompatible key usage (client authentication is not allowed)",
    )
  return usable
}
