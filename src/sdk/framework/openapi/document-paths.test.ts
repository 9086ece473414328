import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { definePath } from '../backend.ts'
import { f } from '../fields.ts'
import { documentPath } from './document-paths.ts'
import { newOpenApiDocument } from './openapi-document.ts'

const users = definePath({
  pattern: 'users/:username',
  help: 'A user and the settings of its logins.',
  fields: {
    username: f.string({ description: 'Name of the user.' }),
    password: f.string({ sensitive: true, default: 'never-shown' }),
    token_ttl: f.duration({ default: 3600 }),
    token_policies: f.list({ required: true }),
  },
  operations: { read: () => undefined, update: () => undefined, delete: () => undefined },
})

function document(def: Parameters<typeof documentPath>[0], special = {}) {
  const doc = newOpenApiDocument('test')
  documentPath(def, { prefix: 'userpass', tag: 'auth', specialPaths: special }, doc)
  return doc
}

describe('documentPath', () => {
  it('documents path parameters once, at the path level, and each method with a unique operationId', () => {
    const doc = document(users)
    const item = doc.paths['/users/{username}']!
    assert.deepEqual(
      item.parameters?.map((p) => [p.name, p.in, p.required, p.description]),
      [['username', 'path', true, 'Name of the user.']],
    )
    assert.equal(item.get?.operationId, 'userpass-read-users-username')
    assert.equal(item.post?.operationId, 'userpass-write-users-username')
    assert.equal(item.delete?.operationId, 'userpass-delete-users-username')
    assert.deepEqual(item.delete?.responses, { '204': { description: 'empty body' } })
    assert.deepEqual(item.get?.tags, ['auth'])
    assert.equal(item.description, 'A user and the settings of its logins.')
  })

  it('puts body fields in a named request schema; a sensitive default never appears', () => {
    const doc = document(users)
    const ref = doc.paths['/users/{username}']!.post!.requestBody!.content['application/json']!.schema.$ref
    assert.equal(ref, '#/components/schemas/UserpassWriteUsersUsernameRequest')
    const schema = doc.components.schemas['UserpassWriteUsersUsernameRequest']!
    assert.deepEqual(Object.keys(schema.properties!), ['password', 'token_policies', 'token_ttl'])
    assert.deepEqual(schema.required, ['token_policies'])
    assert.deepEqual(schema.properties!['token_ttl'], {
      type: 'string',
      format: 'duration',
      description: 'Token ttl.',
      default: 3600,
    })
    assert.deepEqual(schema.properties!['token_policies']!.items, { type: 'string' })
    assert.equal(schema.properties!['password']!.default, undefined)
    assert.deepEqual(schema.properties!['password']!['x-vault-displayAttrs'], { sensitive: true })
    assert.doesNotMatch(JSON.stringify(doc), /never-shown/)
  })

  it('documents a LIST on the path with a trailing slash and a required list=true', () => {
    const doc = document(definePath({ pattern: 'users/', operations: { list: () => undefined } }))
    assert.equal(doc.paths['/users'], undefined)
    const list = doc.paths['/users/']!.get!
    assert.equal(list.operationId, 'userpass-list-users')
    assert.deepEqual(list.parameters?.[0], {
      name: 'list',
      description: 'Must be set to `true`',
      in: 'query',
      required: true,
      schema: { type: 'string', enum: ['true'] },
    })
    assert.ok(doc.components.schemas['StandardListResponse'])
    assert.equal(doc.paths['/users/']!.description, 'List users.')
  })

  it('marks sudo, unauthenticated and create-supported paths, and reads fields of a read-only path from the query', () => {
    const doc = document(
      definePath({
        pattern: 'login/:username',
        fields: { username: f.string(), password: f.string({ sensitive: true }) },
        operations: { update: () => undefined },
      }),
      { unauthenticated: ['login/*'], root: ['login/*'] },
    )
    const item = doc.paths['/login/{username}']!
    assert.equal(item['x-vault-unauthenticated'], true)
    assert.equal(item['x-vault-sudo'], true)
    assert.equal(item['x-vault-createSupported'], undefined)
    assert.equal(item.parameters?.[0]?.description, 'Username. Taken from the request path.')
    const read = document(
      definePath({ pattern: 'spec', fields: { generic: f.bool() }, operations: { read: () => undefined } }),
    )
    assert.deepEqual(read.paths['/spec']!.get!.parameters?.[0]?.in, 'query')
  })

  it('takes arbitrary JSON where the path accepts any data, and JSON merge patches for PATCH', () => {
    const doc = document(
      definePath({
        pattern: '*path',
        acceptAnyData: true,
        exists: async () => true,
        operations: { update: () => undefined, patch: () => undefined, list: () => undefined },
      }),
    )
    const item = doc.paths['/{path}']!
    assert.equal(item['x-vault-createSupported'], true)
    assert.deepEqual(item.post!.requestBody!.content['application/json']!.schema, {
      type: 'object',
      additionalProperties: true,
    })
    assert.ok(item.patch!.requestBody!.content['application/merge-patch+json'])
    assert.ok(doc.paths['/{path}/']!.get)
  })

  it('leaves out an unpublished path', () => {
    const doc = document(
      definePath({ pattern: '*path', unpublished: true, operations: { read: () => undefined } }),
    )
    assert.deepEqual(doc.paths, {})
  })
})
