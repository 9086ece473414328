// certs/ (LIST) and certs/:name: the trusted CA or pinned client certificate of a role, its constraints and token fields.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import {
  applyTokenFields,
  defaultTokenParams,
  legacyTokenFields,
  tokenFields,
  tokenParamsView,
} from '../../../sdk/framework/token-params.ts'
import { type CertEntry, deleteCert, listCerts, loadCert, normalizeCertName, saveCert } from './cert-store.ts'
import type { CertState } from './state.ts'
import { parsePemBundle } from './verify-chain.ts'

export const certsListPath = definePath<Record<string, never>, CertState>({
  pattern: 'certs/',
  listKeys: 'names',
  help: 'List the certificate roles of this mount.',
  operations: {
    list: async ({ storage }) => {
      const keys = await listCerts(storage)
      return listResponse(keys)
    },
  },
})

const names = (description: string) => f.list({ description: `${description} Globs (*) allowed.` })

const fields = {
  name: f.string({ description: 'Name of the certificate role (case-insensitive).' }),
  certificate: f.string({
    description: 'PEM: a CA whose issued certificates may log in, or one client certificate.',
  }),
  display_name: f.string({ description: 'Display name of issued tokens; defaults to the role name.' }),
  allowed_names: names('Deprecated: names matched against the common name, DNS and email SANs.'),
  allowed_common_names: names('Common names allowed.'),
  allowed_dns_sans: names('DNS subject alternative names allowed.'),
  allowed_email_sans: names('Email subject alternative names allowed.'),
  allowed_uri_sans: names('URI subject alternative names allowed.'),
  allowed_organizational_units: names('Organizational units allowed.'),
  required_extensions: f.list({
    description: '"oid:value" extensions the certificate must carry; glob on value.',
  }),
  allowed_metadata_extensions: f.list({ description: 'Extension OIDs copied into the token metadata.' }),
  ocsp_enabled: f.bool({ description: 'Not supported: OCSP checking is refused.' }),
  lease: f.int({ description: 'Deprecated: use token_ttl.' }),
  ...tokenFields,
  policies: legacyTokenFields.policies,
  ttl: legacyTokenFields.ttl,
  max_ttl: legacyTokenFields.max_ttl,
  period: legacyTokenFields.period,
  bound_cidrs: legacyTokenFields.bound_cidrs,
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'
const ANY_USAGE = '2.5.29.37.0'

export const certPath = definePath<typeof fields, CertState>({
  pattern: 'certs/:name',
  fields,
  help: 'A certificate role: the certificate trusted for logins, the names it allows, and the token it grants.',
  exists: async ({ storage, input }) =>
    (await loadCert(storage, normalizeCertName(input.name))) !== undefined,
  operations: {
    read: async ({ storage, input }) => {
      const entry = await loadCert(storage, normalizeCertName(input.name))
      return entry ? { data: certView(entry) } : undefined
    },

    update: ({ storage, state, system, input }) => {
      const name = normalizeCertName(input.name)
      if (input.ocsp_enabled)
        throw new InvalidRequestError('OCSP checking (ocsp_enabled) is not supported by Coffer')
      return state.locks.run(name, async () => {
        const existing = await loadCert(storage, name)
        const entry = applyCertFields(existing, name, input)
        const warnings: string[] = []
        if (entry.tokenTtl > system.defaultLeaseTtl)
          warnings.push(
            `Given ttl of ${entry.tokenTtl} seconds is greater than current mount/system default of ${system.defaultLeaseTtl} seconds`,
          )
        if (entry.tokenMaxTtl > system.maxLeaseTtl)
          warnings.push(
            `Given max_ttl of ${entry.tokenMaxTtl} seconds is greater than current mount/system default of ${system.maxLeaseTtl} seconds`,
          )
        if (entry.tokenPeriod > system.maxLeaseTtl)
          warnings.push(
            `Given period of ${entry.tokenPeriod} seconds is greater than the backend's maximum TTL of ${system.maxLeaseTtl} seconds`,
          )
        await saveCert(storage, entry)
        return warnings.length > 0 ? { warnings } : undefined
      })
    },

    delete: ({ storage, state, input }) => {
      const name = normalizeCertName(input.name)
      return state.locks.run(name, async () => {
        await deleteCert(storage, name)
        return undefined
      })
    },
  },
})

type CertInput = { [K in keyof typeof fields]?: unknown }

/** The role after `input` over `existing`, validated as Vault validates it. */
function applyCertFields(existing: CertEntry | undefined, name: string, input: CertInput): CertEntry {
  const tokenInput = { ...input }
  // hvac sends token_type "" for "not set"; Vault reads that as the default.
  if (tokenInput.token_type === '') delete tokenInput.token_type
  // The oldest name for the token TTL, honoured only when neither newer name is given (as Vault).
  if (tokenInput.token_ttl === undefined && tokenInput.ttl === undefined && tokenInput.lease !== undefined)
    tokenInput.ttl = tokenInput.lease
  const base: CertEntry = existing ?? {
    ...defaultTokenParams(),
    name,
    certificate: '',
    displayName: '',
    allowedNames: [],
    allowedCommonNames: [],
    allowedDnsSans: [],
    allowedEmailSans: [],
    allowedUriSans: [],
    allowedOrganizationalUnits: [],
    requiredExtensions: [],
    allowedMetadataExtensions: [],
  }
  const entry: CertEntry = { ...base, ...tokenFieldsOf(base, tokenInput) }
  const text = (value: unknown) => value as string | undefined
  const list = (value: unknown) => value as string[] | undefined
  entry.certificate = text(input.certificate) ?? entry.certificate
  entry.displayName = text(input.display_name) ?? entry.displayName
  entry.allowedNames = list(input.allowed_names) ?? entry.allowedNames
  entry.allowedCommonNames = list(input.allowed_common_names) ?? entry.allowedCommonNames
  entry.allowedDnsSans = list(input.allowed_dns_sans) ?? entry.allowedDnsSans
  entry.allowedEmailSans = list(input.allowed_email_sans) ?? entry.allowedEmailSans
  entry.allowedUriSans = list(input.allowed_uri_sans) ?? entry.allowedUriSans
  entry.allowedOrganizationalUnits =
    list(input.allowed_organizational_units) ?? entry.allowedOrganizationalUnits
  entry.requiredExtensions = list(input.required_extensions) ?? entry.requiredExtensions
  entry.allowedMetadataExtensions = list(input.allowed_metadata_extensions) ?? entry.allowedMetadataExtensions
  if (entry.displayName === '') entry.displayName = name

  for (const required of entry.requiredExtensions)
    if (!/^\d+(\.\d+)+:/.test(required))
      throw new InvalidRequestError(`invalid required_extensions entry "${required}": use "oid:value"`)
  for (const oid of entry.allowedMetadataExtensions)
    if (!/^\d+(\.\d+)+$/.test(oid))
      throw new InvalidRequestError(`invalid allowed_metadata_extensions entry "${oid}": use a dotted OID`)
  const parsed = parsePemBundle(entry.certificate)
  if (parsed.length === 0)
    throw new InvalidRequestError(
      entry.certificate === '' ? 'missing certificate' : 'failed to parse certificate: expected PEM',
    )
  const first = parsed[0]!
  const usages = first.fields.extKeyUsage
  if (!first.x509.ca && usages && !usages.includes(CLIENT_AUTH) && !usages.includes(ANY_USAGE))
    throw new InvalidRequestError(
      'nonCA certificates should have TLS client authentication set as an extended key usage',
    )
  return entry
}

/**
 * The token fields over the role's. Vault checks token_ttl against token_max_ttl (as given, else as stored) before
 * it reads the legacy ttl and max_ttl, and its cert method words a conflict they bring its own way.
 */
function tokenFieldsOf(base: CertEntry, input: CertInput) {
  try {
    return applyTokenFields(base, input)
  } catch (error) {
    const ttl = (input.token_ttl as number | undefined) ?? base.tokenTtl
    const maxTtl = (input.token_max_ttl as number | undefined) ?? base.tokenMaxTtl
    if (
      error instanceof InvalidRequestError &&
      /^token_ttl cannot be greater than token_max_ttl$/.test(error.message) &&
      !(maxTtl > 0 && ttl > maxTtl)
    )
      throw new InvalidRequestError('ttl should be shorter than max_ttl')
    throw error
  }
}

function certView(entry: CertEntry): Record<string, unknown> {
  return {
    certificate: entry.certificate,
    display_name: entry.displayName,
    allowed_names: entry.allowedNames,
    allowed_common_names: entry.allowedCommonNames,
    allowed_dns_sans: entry.allowedDnsSans,
    allowed_email_sans: entry.allowedEmailSans,
    allowed_uri_sans: entry.allowedUriSans,
    allowed_organizational_units: entry.allowedOrganizationalUnits,
    required_extensions: entry.requiredExtensions,
    allowed_metadata_extensions: entry.allowedMetadataExtensions,
    ocsp_ca_certificates: '',
    ocsp_enabled: false,
    ocsp_servers_override: [],
    ocsp_fail_open: false,
    ocsp_query_all_servers: false,
    ...tokenParamsView(entry),
  }
}
