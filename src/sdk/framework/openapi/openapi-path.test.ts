import assert from 'node:assert/strict'
import { it } from 'node:test'
import { openApiPath, operationId, specialPathMatch, titleCase } from './openapi-path.ts'

it('turns parameters and rest-wildcards into {name} and drops an optional trailing slash', () => {
  assert.deepEqual(openApiPath('keys/:name/rotate'), { path: 'keys/{name}/rotate', params: ['name'] })
  assert.deepEqual(openApiPath('data/*path'), { path: 'data/{path}', params: ['path'] })
  assert.deepEqual(openApiPath('roles/'), { path: 'roles', params: [] })
  assert.deepEqual(openApiPath('locked-users/:mount_accessor/unlock/*alias_identifier'), {
    path: 'locked-users/{mount_accessor}/unlock/{alias_identifier}',
    params: ['mount_accessor', 'alias_identifier'],
  })
  assert.deepEqual(openApiPath('*path'), { path: '{path}', params: ['path'] })
})

it('matches special paths exactly, by a trailing * prefix and by + segments', () => {
  assert.equal(specialPathMatch('login', ['login']), true)
  assert.equal(specialPathMatch('login/{username}', ['login/*']), true)
  assert.equal(specialPathMatch('login', ['login/*']), false)
  assert.equal(specialPathMatch('role/{name}/secret-id', ['role/+/secret-id']), true)
  assert.equal(specialPathMatch('role/{name}/role-id', ['role/+/secret-id']), false)
  assert.equal(specialPathMatch('users/{username}', ['login']), false)
})

it("builds Vault's operationIds and schema stems", () => {
  assert.equal(operationId('userpass', 'write', 'users/{username}'), 'userpass-write-users-username')
  assert.equal(operationId('', 'read', 'data/{path}'), 'read-data-path')
  assert.equal(operationId('kv', 'list', 'metadata/{path}/'), 'kv-list-metadata-path')
  assert.equal(titleCase('userpass-write-users-username'), 'UserpassWriteUsersUsername')
})
