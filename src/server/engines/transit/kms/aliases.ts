// KMS aliases (kms/aliases/<name> in the transit mount's storage): a name pointing at one KMS key.
import { getJson, putJson, type Storage } from '../../../../sdk/storage.ts'

export interface KmsAlias {
  targetKeyId: string
  /** Unix seconds. */
  creationDate: number
  lastUpdatedDate: number
}

export const ALIAS_PREFIX = 'kms/aliases/'

export function loadAlias(storage: Storage, name: string): Promise<KmsAlias | undefined> {
  return getJson<KmsAlias>(storage, ALIAS_PREFIX + name)
}

export async function saveAlias(storage: Storage, name: string, alias: KmsAlias): Promise<void> {
  await putJson(storage, ALIAS_PREFIX + name, alias)
}

/** Every alias name, including those with slashes (alias/team/app). */
export async function listAliasNames(storage: Storage, prefix = ''): Promise<string[]> {
  const names: string[] = []
  for (const entry of await storage.list(ALIAS_PREFIX + prefix)) {
    if (entry.endsWith('/')) names.push(...(await listAliasNames(storage, prefix + entry)))
    else names.push(prefix + entry)
  }
  return names.sort()
}
