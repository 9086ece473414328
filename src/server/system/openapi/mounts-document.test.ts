import assert from 'node:assert/strict'
import { it } from 'node:test'
import { BackendInstance, defineBackend, definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import type { BackendEnv } from '../../../sdk/request.ts'
import { defaultMountConfig, type MountEntry } from '../../core/mount-table.ts'
import { type DocumentedMount, mountsDocument } from './mounts-document.ts'

const userpass = defineBackend({
  kind: 'auth',
  help: 'users',
  specialPaths: { unauthenticated: ['login/*'] },
  paths: [
    definePath({
      pattern: 'login/:username',
      fields: { password: f.string() },
      operations: { update: () => undefined },
    }),
    definePath({ pattern: 'users/', operations: { list: () => undefined } }),
  ],
})

// No setup hook: the backend never touches its environment while being documented.
const env = {} as BackendEnv

async function mount(path: string, type: string, extra: Partial<MountEntry> = {}): Promise<DocumentedMount> {
  const entry: MountEntry = {
    table: path.startsWith('auth/') ? 'auth' : 'secret',
    path,
    type,
    description: '',
    uuid: path,
    accessor: path,
    local: false,
    sealWrap: false,
    config: defaultMountConfig(),
    options: {},
    ...extra,
  }
  return { entry, backend: await BackendInstance.create(userpass, env) }
}

it('puts each mount under its path and keeps operationIds unique across two mounts of one type', async () => {
  const doc = mountsDocument(
    [await mount('auth/userpass/', 'userpass'), await mount('auth/people/', 'userpass')],
    {
      version: '1.2.3',
    },
  )
  assert.equal(doc.openapi, '3.0.2')
  assert.equal(doc.info.version, '1.2.3')
  assert.deepEqual(Object.keys(doc.paths), [
    '/auth/people/login/{username}',
    '/auth/people/users/',
    '/auth/userpass/login/{username}',
    '/auth/userpass/users/',
  ])
  // Sorted by mount path, "people" comes first and keeps the plain type as its prefix.
  assert.equal(doc.paths['/auth/people/login/{username}']!.post!.operationId, 'userpass-write-login-username')
  assert.equal(
    doc.paths['/auth/userpass/login/{username}']!.post!.operationId,
    'userpass-userpass-write-login-username',
  )
  assert.equal(doc.paths['/auth/userpass/login/{username}']!['x-vault-unauthenticated'], true)
  assert.ok(doc.components.schemas['UserpassUserpassWriteLoginUsernameRequest'])
})

it('turns mount paths into parameters with generic_mount_paths, except for built-in mounts', async () => {
  const doc = mountsDocument(
    [await mount('auth/my-users/', 'userpass'), await mount('sys/', 'system', { builtin: true })],
    {
      version: 'x',
      genericMountPaths: true,
    },
  )
  const item = doc.paths['/auth/{my_users_mount_path}/login/{username}']!
  assert.deepEqual(item.parameters?.at(-1), {
    name: 'my_users_mount_path',
    description: 'Path that the backend was mounted at',
    in: 'path',
    schema: { type: 'string', default: 'my-users' },
    required: true,
  })
  assert.ok(doc.paths['/sys/users/'])
  assert.deepEqual(doc.paths['/sys/users/']!.get!.tags, ['system'])
})
