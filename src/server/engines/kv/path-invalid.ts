// KV v2 catch-all: a v1-style path on a v2 mount gets a 404 that says which API to use instead.

import type { KeyLocks } from '../../../lib/key-locks.ts'
import { definePath, type Handler } from '../../../sdk/framework/backend.ts'
import type { Operation } from '../../../sdk/request.ts'

const SUBCOMMAND: Record<Operation, string> = {
  create: 'put',
  update: 'put',
  patch: 'patch',
  read: 'get',
  list: 'list',
  delete: 'delete',
}

// Mirrors Vault's pathInvalid: status 404 with a warning rather than a bare "unsupported path".
const invalid: Handler<Record<string, never>, KeyLocks> = ({ request }) => ({
  status: 404,
  warnings: [
    'Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. ' +
      `If using the CLI, use 'kv ${SUBCOMMAND[request.operation]}' for this operation.`,
  ],
})

export const invalidPath = definePath<Record<string, never>, KeyLocks>({
  pattern: '*path',
  listKeys: 'paths',
  help: 'Paths outside config, data, metadata, delete, undelete, destroy and subkeys are not part of KV v2.',
  unpublished: true,
  operations: {
    create: invalid,
    update: invalid,
    patch: invalid,
    read: invalid,
    list: invalid,
    delete: invalid,
  },
})
