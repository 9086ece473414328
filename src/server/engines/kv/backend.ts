// The KV secrets engine: one registry entry, `kv`, serving v1 or v2 by the mount's options.version.

import { defineBackend } from '../../../sdk/framework/backend.ts'
import type { MountInfo } from '../../../sdk/request.ts'
import { kvInventory } from './inventory.ts'
import { KvState } from './kv-state.ts'
import { configPath } from './path-config.ts'
import { dataPath } from './path-data.ts'
import { deletePath, undeletePath } from './path-delete.ts'
import { destroyPath } from './path-destroy.ts'
import { invalidPath } from './path-invalid.ts'
import { metadataPath } from './path-metadata.ts'
import { rotationPath } from './path-rotation.ts'
import { subkeysPath } from './path-subkeys.ts'
import { v1Path } from './path-v1.ts'
import { launchDueKvRotations, stopKvRotations } from './rotation-periodic.ts'
import { kvStoredValues } from './stored-values.ts'

export type KvVersion = 1 | 2

/** options.version "1" (or absent) and "2", as Vault reads it; anything else is refused at mount time. */
export function kvVersion(mount: Pick<MountInfo, 'type' | 'options'>): KvVersion {
  const version = mount.options['version'] ?? ''
  if (mount.type === 'kv-v2' && version === '') return 2
  if (version === '' || version === '1') return 1
  if (version === '2') return 2
  throw new Error(`kv: unsupported version ${JSON.stringify(version)} in mount options; use "1" or "2"`)
}

const V1_HELP = 'The kv backend stores arbitrary JSON objects at any path, without versions (KV version 1).'
const V2_HELP =
  'The kv backend stores versioned secrets (KV version 2): data/, metadata/, delete/, undelete/, destroy/, subkeys/, config and rotation/.'

const V1_PATHS = [v1Path]
const V2_PATHS = [
  configPath,
  dataPath,
  metadataPath,
  deletePath,
  undeletePath,
  destroyPath,
  subkeysPath,
  rotationPath,
  invalidPath,
]

/** The registry's `kv`: the mount's options.version picks the v1 or the v2 path set when the mount is created. */
export const kvBackend = defineBackend<KvState>({
  kind: 'secret',
  help: `${V1_HELP}\n\n${V2_HELP}\n\nThe mount option "version" ("1" by default, or "2") selects the API.`,
  paths: (env) => (kvVersion(env.system.mount) === 2 ? V2_PATHS : V1_PATHS),
  // A v2 list shows metadata/x; a caller who may read data/x should see that key too.
  visibilityPaths: (path, mount) =>
    kvVersion(mount) === 2 && path.startsWith('metadata/') ? [`data/${path.slice('metadata/'.length)}`] : [],
  setup: () => {
    const state = new KvState()
    // The first tick looks for due rotations: one that fell due while the server was down runs once, now.
    state.nextRotationDue = 0
    return state
  },
  // Rotations of v2 secrets run on the active node only: a standby does not run the periodic hook.
  periodic: async ({ storage, system, state }) => {
    if (kvVersion(system.mount) === 2) await launchDueKvRotations({ storage, system, state })
  },
  cleanup: (state) => stopKvRotations(state),
  storedValues: (ctx) => kvStoredValues(ctx, kvVersion(ctx.system.mount)),
  inventory: (ctx) => kvInventory(ctx, kvVersion(ctx.system.mount)),
})
