// Cert roles ("certs/<name>") and the mount config in the mount's storage, under Vault's key names.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import type { TokenParams } from '../../../sdk/framework/token-params.ts'
import { getJson, putJson, type Storage } from '../../../sdk/storage.ts'
import type { CertConstraints } from './constraints.ts'

export interface CertEntry extends TokenParams, CertConstraints {
  name: string
  /** PEM: a trusted CA (any certificate it issued may log in) or a pinned non-CA client certificate. */
  certificate: string
  displayName: string
  allowedMetadataExtensions: string[]
}

export interface CertConfig {
  disableBinding: boolean
  enableIdentityAliasMetadata: boolean
}

const PREFIX = 'cert/'
const CONFIG = 'config'

/** Vault's GenericNameRegex, lower-cased as Vault stores role names. */
export function normalizeCertName(raw: string | undefined): string {
  const name = (raw ?? '').trim().toLowerCase()
  if (name === '') throw new InvalidRequestError('missing name')
  if (!/^\w(?:[\w.-]*\w)?$/.test(name))
    throw new InvalidRequestError(`invalid name "${name}": use letters, digits, "_", "-" and "."`)
  return name
}

export function loadCert(storage: Storage, name: string): Promise<CertEntry | undefined> {
  return getJson<CertEntry>(storage, PREFIX + name)
}

export function saveCert(storage: Storage, entry: CertEntry): Promise<void> {
  return putJson(storage, PREFIX + entry.name, entry)
}

export function deleteCert(storage: Storage, name: string): Promise<void> {
  return storage.delete(PREFIX + name)
}

export function listCerts(storage: Storage): Promise<string[]> {
  return storage.list(PREFIX)
}

export async function loadConfig(storage: Storage): Promise<CertConfig> {
  return (
    (await getJson<CertConfig>(storage, CONFIG)) ?? {
      disableBinding: false,
      enableIdentityAliasMetadata: false,
    }
  )
}

export function saveConfig(storage: Storage, config: CertConfig): Promise<void> {
  return putJson(storage, CONFIG, config)
}
