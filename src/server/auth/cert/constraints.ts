// A role's name and extension constraints on the client's leaf certificate, with Vault's globs and semantics.
import { globMatch } from '../../../lib/glob.ts'
import { type CertFields, extensionString } from './cert-fields.ts'

export interface CertConstraints {
  allowedNames: string[]
  allowedCommonNames: string[]
  allowedDnsSans: string[]
  allowedEmailSans: string[]
  allowedUriSans: string[]
  allowedOrganizationalUnits: string[]
  /** "oid:value" entries; every one must be present and its string value match the glob. */
  requiredExtensions: string[]
}

/** An empty list allows anything; otherwise at least one pattern must match at least one value. */
function anyMatch(patterns: string[], values: string[]): boolean {
  return (
    patterns.length === 0 || patterns.some((pattern) => values.some((value) => globMatch(pattern, value)))
  )
}

export function matchesConstraints(c: CertConstraints, leaf: CertFields): boolean {
  return (
    // allowed_names (deprecated) looks at the common name, DNS and email SANs together.
    anyMatch(c.allowedNames, [leaf.commonName, ...leaf.dnsNames, ...leaf.emails]) &&
    anyMatch(c.allowedCommonNames, [leaf.commonName]) &&
    anyMatch(c.allowedDnsSans, leaf.dnsNames) &&
    anyMatch(c.allowedEmailSans, leaf.emails) &&
    anyMatch(c.allowedUriSans, leaf.uris) &&
    anyMatch(c.allowedOrganizationalUnits, leaf.organizationalUnits) &&
    c.requiredExtensions.every((required) => {
      const at = required.indexOf(':')
      const value = leaf.extensions.get(required.slice(0, at))
      return value !== undefined && globMatch(required.slice(at + 1), extensionString(value))
    })
  )
}

/** Metadata from allowed_metadata_extensions: keys are the OIDs with dashes, so ACL templates can name them. */
export function extensionMetadata(oids: string[], leaf: CertFields): Record<string, string> {
  const out: Record<string, string> = {}
  for (const oid of oids) {
    const value = leaf.extensions.get(oid)
    if (value !== undefined) out[oid.replaceAll('.', '-')] = extensionString(value)
  }
  return out
}
