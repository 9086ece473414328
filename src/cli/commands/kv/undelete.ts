// `coffer kv undelete -versions=N KEY`: restore soft-deleted KV v2 versions.
import { versionActionCommand } from './shared.ts'

export const kvUndeleteCommand = versionActionCommand(
  'undelete',
  'Restore deleted versions of a KV v2 secret',
)
