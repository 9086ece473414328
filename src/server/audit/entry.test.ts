// buildEntry produces Vault's audit JSON layout: key order, omitempty, namespace, auth defaults.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { buildEntry } from './entry.ts'

it('builds a request entry in Vault key order with empty fields omitted', () => {
  const entry = buildEntry({
    type: 'request',
    time: '2024-05-01T10:00:00.123000000Z',
    auth: {
      clientToken: 'hvs.x',
      accessor: 'acc',
      displayName: 'token',
      policies: ['root'],
      tokenPolicies: ['root'],
      policyResults: {
        allowed: true,
        grantingPolicies: [{ name: 'root', namespaceId: 'root', type: 'acl' }],
      },
      metadata: {},
      entityId: '',
      tokenType: 'service',
      tokenTtl: 0,
    },
    request: {
      id: 'req-1',
      operation: 'read',
      mountPoint: 'secret/',
      mountType: 'kv',
      mountAccessor: 'kv_1',
      clientToken: 'hvs.x',
      clientTokenAccessor: 'acc',
      path: 'secret/data/app',
      data: {},
      remoteAddress: '127.0.0.1',
      remotePort: 51234,
    },
  })
  assert.equal(
    JSON.stringify(entry),
    '{"time":"2024-05-01T10:00:00.123000000Z","type":"request",' +
      '"auth":{"client_token":"hvs.x","accessor":"acc","display_name":"token","policies":["root"],' +
      '"token_policies":["root"],"policy_results":{"allowed":true,"granting_policies":' +
      '[{"name":"root","namespace_id":"root","type":"acl"}]},"token_type":"service"},' +
      '"request":{"id":"req-1","operation":"read","mount_point":"secret/","mount_type":"kv",' +
      '"mount_accessor":"kv_1","client_token":"hvs.x","client_token_accessor":"acc",' +
      '"namespace":{"id":"root"},"path":"secret/data/app","remote_address":"127.0.0.1","remote_port":51234}}',
  )
})

it('writes auth {"token_type":"default"} for an unauthenticated call and keeps a denial visible', () => {
  const entry = buildEntry({
    type: 'request',
    time: 't',
    request: { id: 'r', operation: 'update', path: 'auth/userpass/login/alice', data: { password: 'pw' } },
    error: 'permission denied',
  })
  assert.deepEqual(entry.auth, { token_type: 'default' })
  assert.equal(entry.error, 'permission denied')
  assert.deepEqual(entry.request?.data, { password: 'pw' })
  assert.equal(entry.response, undefined)
  const denied = buildEntry({
    type: 'request',
    time: 't',
    auth: { policyResults: { allowed: false } },
    request: { id: 'r', operation: 'read', path: 'x' },
  })
  assert.deepEqual(denied.auth?.policy_results, { allowed: false })
})

it('builds a response entry: response copies mount fields, orders auth/secret/data/wrap_info, omits error', () => {
  const entry = buildEntry({
    type: 'response',
    time: 't',
    auth: { clientToken: 'hvs.c', remainingUses: 2, numUses: 5, tokenType: 'service' },
    request: {
      id: 'r',
      operation: 'read',
      mountType: 'database',
      mountAccessor: 'db_1',
      path: 'database/creds/ro',
    },
    response: {
      auth: { clientToken: 'hvs.new', numUses: 5, remainingUses: 9, tokenType: 'batch', tokenTtl: 60 },
      secret: { leaseId: 'database/creds/ro/L1' },
      data: { username: 'u', password: 'p' },
      warnings: [],
      wrapInfo: { ttl: 30, token: 'w', accessor: 'wa', creationTime: 'ct', creationPath: 'cp' },
    },
    error: '',
  })
  assert.deepEqual(Object.keys(entry), ['time', 'type', 'auth', 'request', 'response'])
  // remaining_uses belongs to the caller's token, num_uses to a minted one, as in Vault's formatter.
  assert.deepEqual(entry.auth, { client_token: 'hvs.c', remaining_uses: 2, token_type: 'service' })
  assert.deepEqual(Object.keys(entry.response ?? {}), [
    'auth',
    'mount_type',
    'mount_accessor',
    'secret',
    'data',
    'wrap_info',
  ])
  assert.deepEqual(entry.response?.auth, {
    client_token: 'hvs.new',
    num_uses: 5,
    token_type: 'batch',
    token_ttl: 60,
  })
  assert.deepEqual(entry.response?.wrap_info, {
    ttl: 30,
    token: 'w',
    accessor: 'wa',
    creation_time: 'ct',
    creation_path: 'cp',
  })
})

it('always gives a response entry a response object, even with no response input', () => {
  const entry = buildEntry({
    type: 'response',
    time: 't',
    request: { id: 'r', operation: 'delete', path: 'p', mountType: 'kv' },
  })
  assert.deepEqual(entry.response, { mount_type: 'kv' })
})

it('shares one frozen root namespace across request sections, and builds a named one afresh', () => {
  const section = (namespaceId?: string) =>
    buildEntry({
      type: 'request',
      time: 't',
      request: { id: 'r', operation: 'read', path: 'p', namespaceId },
    }).request!.namespace
  assert.equal(section(), section())
  assert.ok(Object.isFrozen(section()))
  assert.deepEqual(section(), { id: 'root' })
  assert.deepEqual(section('ns1'), { id: 'ns1' })
  assert.notEqual(section('ns1'), section('ns1'))
})
