// `coffer kv destroy -versions=N KEY`: permanently erase KV v2 versions' data.
import { versionActionCommand } from './shared.ts'

export const kvDestroyCommand = versionActionCommand(
  'destroy',
  'Permanently destroy versions of a KV v2 secret',
)
