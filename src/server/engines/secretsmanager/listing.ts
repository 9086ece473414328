// Vault-style LIST of secret names: one folder level under a prefix, folders ending with '/'.
import { listResponse } from '../../../sdk/framework/list-response.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'
import { loadAllRecords } from './model.ts'

export async function listNames(storage: Storage, folder: string): Promise<LogicalResponse | undefined> {
  const prefix = folder === '' || folder.endsWith('/') ? folder : `${folder}/`
  const keys = new Set<string>()
  for (const record of await loadAllRecords(storage)) {
    if (record.deletedDate !== undefined || !record.name.startsWith(prefix)) continue
    const rest = record.name.slice(prefix.length)
    const slash = rest.indexOf('/')
    keys.add(slash < 0 ? rest : rest.slice(0, slash + 1))
  }
  return listResponse([...keys].sort())
}
