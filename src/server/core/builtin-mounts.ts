// The four built-in mounts core creates on every unseal, as data: which table, path and type, and which backend.
import type { BackendDefinition } from '../../sdk/framework/backend.ts'
import type { MountEntry } from './mount-table.ts'

/** A built-in mount's table entry, before unseal gives it a uuid, an accessor and its config. */
export type BuiltinEntry = Omit<MountEntry, 'uuid' | 'accessor' | 'config'>

export interface BuiltinMount {
  entry: BuiltinEntry
  definition: BackendDefinition<unknown>
}

/** The built-in backends, built by core from its unsealed services. */
export interface BuiltinDefinitions {
  system: BackendDefinition<unknown>
  cubbyhole: BackendDefinition<unknown>
  token: BackendDefinition<unknown>
  identity: BackendDefinition<unknown>
}

type BuiltinName = keyof BuiltinDefinitions

/** The built-in mounts' entries (Vault's sys/, cubbyhole/, auth/token/ and identity/). */
export const BUILTIN_MOUNTS: readonly { name: BuiltinName; entry: BuiltinEntry }[] = [
  {
    name: 'system',
    entry: {
      table: 'secret',
      path: 'sys/',
      type: 'system',
      description: 'system endpoints used for control, policy and debugging',
      local: false,
      sealWrap: false,
      options: {},
      builtin: true,
    },
  },
  {
    name: 'cubbyhole',
    entry: {
      table: 'secret',
      path: 'cubbyhole/',
      type: 'cubbyhole',
      description: 'per-token private secret storage',
      local: true,
      sealWrap: false,
      options: {},
      builtin: true,
    },
  },
  {
    name: 'token',
    entry: {
      table: 'auth',
      path: 'auth/token/',
      type: 'token',
      description: 'token based credentials',
      local: false,
      sealWrap: false,
      options: {},
      builtin: true,
    },
  },
  {
    name: 'identity',
    entry: {
      table: 'secret',
      path: 'identity/',
      type: 'identity',
      description: 'identity store',
      local: false,
      sealWrap: false,
      options: {},
      builtin: true,
    },
  },
]

/** The built-in mounts with their backends, in the order they are mounted. */
export function builtinMounts(definitions: BuiltinDefinitions): BuiltinMount[] {
  return BUILTIN_MOUNTS.map(({ name, entry }) => ({
    entry: { ...entry, options: {} },
    definition: definitions[name],
  }))
}
