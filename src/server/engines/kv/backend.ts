// The KV secrets engine: one registry entry, `kv`, serving v1 or v2 by the mount's options.version.
import { BackendInstance, defineBackend, definePath, type Handler } from '../../../sdk/framework/backend.ts'
import type { MountInfo } from '../../../sdk/request.ts'
import { KeyLocks } from './key-lock.ts'
import { configPath } from './path-config.ts'
import { dataPath } from './path-data.ts'
import { deletePath, undeletePath } from './path-delete.ts'
import { destroyPath } from './path-destroy.ts'
import { invalidPath } from './path-invalid.ts'
import { metadataPath } from './path-metadata.ts'
import { subkeysPath } from './path-subkeys.ts'
import { v1Path } from './path-v1.ts'

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
  'The kv backend stores versioned secrets (KV version 2): data/, metadata/, delete/, undelete/, destroy/, subkeys/ and config.'

export const kvV1Backend = defineBackend({
  kind: 'secret',
  help: V1_HELP,
  paths: [v1Path],
})

export const kvV2Backend = defineBackend<KeyLocks>({
  kind: 'secret',
  help: V2_HELP,
  paths: [
    configPath,
    dataPath,
    metadataPath,
    deletePath,
    undeletePath,
    destroyPath,
    subkeysPath,
    invalidPath,
  ],
  setup: () => new KeyLocks(),
})

export interface KvState {
  version: KvVersion
  /** The v1 or v2 backend bound to this mount; every request is handed to it unchanged. */
  inner: BackendInstance
}

const delegate: Handler<Record<string, never>, KvState> = ({ state, request }) => state.inner.handle(request)

/**
 * The registry's `kv`. The sdk fixes a backend's paths at definition time, so the version is picked
 * in setup and this outer backend forwards to the matching inner one (fields, warnings and existence
 * checks come from the inner paths).
 */
export const kvBackend = defineBackend<KvState>({
  kind: 'secret',
  help: `${V1_HELP}\n\n${V2_HELP}\n\nThe mount option "version" ("1" by default, or "2") selects the API.`,
  paths: [
    definePath<Record<string, never>, KvState>({
      pattern: '*path',
      acceptAnyData: true,
      // undefined ("this path has no check, treat the write as an update") must reach core unchanged.
      exists: ({ state, request }) => state.inner.exists(request),
      operations: {
        create: delegate,
        read: delegate,
        update: delegate,
        patch: delegate,
        delete: delegate,
        list: delegate,
      },
    }),
  ],
  // A v2 list shows metadata/x; a caller who may read data/x should see that key too.
  visibilityPaths: (path, mount) =>
    kvVersion(mount) === 2 && path.startsWith('metadata/') ? [`data/${path.slice('metadata/'.length)}`] : [],
  setup: async (env) => {
    const version = kvVersion(env.system.mount)
    const inner =
      version === 2
        ? await BackendInstance.create(kvV2Backend, env)
        : await BackendInstance.create(kvV1Backend, env)
    return { version, inner }
  },
  cleanup: (state) => state.inner.cleanup(),
})
