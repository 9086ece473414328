// Access key pairs: create one for a role (the secret is shown once), list, read, revoke and rotate them.
import { InvalidRequestError, NotFoundError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import type { Storage } from '../../../sdk/storage.ts'
import {
  ACCESS_KEY_ID,
  type AccessKeyEntry,
  accessKeyPath,
  encodeEntry,
  listAccessKeys,
  loadAccessKey,
  newAccessKeyId,
  newSecretAccessKey,
} from './key-store.ts'
import { loadRole, normalizeRoleName } from './role-store.ts'
import type { AwsKeysState } from './state.ts'

/** A fresh pair for `role`, not yet stored; an ID collision (80 random bits) is drawn again. */
async function freshKey(storage: Storage, role: string, nowMs: number, rotatedFrom?: string) {
  let id = newAccessKeyId()
  while ((await loadAccessKey(storage, id)) !== undefined) id = newAccessKeyId()
  const entry: AccessKeyEntry = {
    role,
    secret: newSecretAccessKey(),
    created: nowMs,
    ...(rotatedFrom ? { rotatedFrom } : {}),
  }
  return { id, entry }
}

/** The one answer that carries the secret. */
function issued(id: string, entry: AccessKeyEntry) {
  return {
    data: {
      access_key_id: id,
      secret_access_key: entry.secret,
      role: entry.role,
      creation_time: new Date(entry.created).toISOString(),
      ...(entry.rotatedFrom ? { rotated_from: entry.rotatedFrom } : {}),
    },
  }
}

async function requireRole(storage: Storage, name: string): Promise<void> {
  if (!(await loadRole(storage, name))) throw new InvalidRequestError(`role "${name}" does not exist`)
}

const roleFields = { name: f.string({ description: 'Name of the role.' }) }

const createFields = {
  ...roleFields,
  access_key_id: f.string({
    description:
      'Optional: store this key ID (CKIA + 16 base32 characters) instead of drawing one (dev mode, imports).',
  }),
  secret_access_key: f.string({
    description:
      'Optional, with access_key_id: the secret to store (16 to 128 characters of A-Z a-z 0-9 / + =).',
    sensitive: true,
  }),
}

const CHOSEN_SECRET = /^[A-Za-z0-9/+=]{16,128}$/

/** A pair the caller chose: both parts or neither, each well formed, the ID not yet taken. */
async function chosenKey(
  storage: Storage,
  role: string,
  nowMs: number,
  id: string | undefined,
  secret: string | undefined,
): Promise<{ id: string; entry: AccessKeyEntry }> {
  if (!id || !secret) throw new InvalidRequestError('access_key_id and secret_access_key go together')
  if (!ACCESS_KEY_ID.test(id))
    throw new InvalidRequestError('access_key_id must be CKIA followed by 16 characters of A-Z and 2-7')
  if (!CHOSEN_SECRET.test(secret))
    throw new InvalidRequestError(
      'secret_access_key must be 16 to 128 characters of A-Z, a-z, 0-9, /, + and =',
    )
  if ((await loadAccessKey(storage, id)) !== undefined)
    throw new InvalidRequestError(`access key ${id} already exists`)
  return { id, entry: { role, secret, created: nowMs } }
}

export const createAccessKeyPath = definePath<typeof createFields, AwsKeysState>({
  pattern: 'role/:name/access-key',
  fields: createFields,
  help: 'Create an access key pair bound to the role. The secret access key is returned only in this answer.',
  operations: {
    update: ({ storage, state, system, input }) => {
      const name = normalizeRoleName(input.name)
      return state.locks.run(`role:${name}`, async () => {
        await requireRole(storage, name)
        const chosenId = input.access_key_id
        if (chosenId) {
          // Role first, then key, as everywhere: two roles choosing one ID cannot both store it.
          return state.locks.run(`key:${chosenId}`, async () => {
            const chosen = await chosenKey(storage, name, system.now(), chosenId, input.secret_access_key)
            await storage.put(accessKeyPath(chosen.id), encodeEntry(chosen.entry))
            return issued(chosen.id, chosen.entry)
          })
        }
        if (input.secret_access_key)
          throw new InvalidRequestError('access_key_id and secret_access_key go together')
        const { id, entry } = await freshKey(storage, name, system.now())
        await storage.put(accessKeyPath(id), encodeEntry(entry))
        return issued(id, entry)
      })
    },
  },
})

export const accessKeyListPath = definePath<Record<string, never>, AwsKeysState>({
  pattern: 'access-key/',
  listKeys: 'names',
  help: 'List the access key IDs of this mount.',
  operations: {
    list: async ({ storage }) => listResponse(await listAccessKeys(storage)),
  },
})

const keyFields = { access_key_id: f.string({ description: 'The access key ID (CKIA…).' }) }

export const accessKeyPathDef = definePath<typeof keyFields, AwsKeysState>({
  pattern: 'access-key/:access_key_id',
  fields: keyFields,
  help: 'An access key: read its role and creation time (never the secret), or revoke it.',
  operations: {
    read: async ({ storage, input }) => {
      const entry = await loadAccessKey(storage, input.access_key_id ?? '')
      if (!entry) return undefined
      return {
        data: {
          access_key_id: input.access_key_id,
          role: entry.role,
          creation_time: new Date(entry.created).toISOString(),
          ...(entry.rotatedFrom ? { rotated_from: entry.rotatedFrom } : {}),
        },
      }
    },

    // Once this returns, a login or request signed with the key is refused: logins read the stored entry.
    delete: ({ storage, state, input }) => {
      const id = input.access_key_id ?? ''
      return state.locks.run(`key:${id}`, async () => {
        if (await loadAccessKey(storage, id)) await storage.delete(accessKeyPath(id))
        return undefined
      })
    },
  },
})

export const rotateAccessKeyPath = definePath<typeof keyFields, AwsKeysState>({
  pattern: 'access-key/:access_key_id/rotate',
  fields: keyFields,
  help: 'Replace an access key with a new pair for the same role: the old key is revoked in the same write.',
  operations: {
    update: async ({ storage, state, system, input }) => {
      const oldId = input.access_key_id ?? ''
      const first = await loadAccessKey(storage, oldId)
      if (!first) throw new NotFoundError(`access key "${oldId}" does not exist`)
      return state.locks.run(`role:${first.role}`, () =>
        state.locks.run(`key:${oldId}`, async () => {
          const old = await loadAccessKey(storage, oldId)
          if (!old || old.role !== first.role) throw new NotFoundError(`access key "${oldId}" does not exist`)
          const { id, entry } = await freshKey(storage, old.role, system.now(), oldId)
          await storage.batch([
            { op: 'put', key: accessKeyPath(id), value: encodeEntry(entry) },
            { op: 'delete', key: accessKeyPath(oldId) },
          ])
          return issued(id, entry)
        }),
      )
    },
  },
})
