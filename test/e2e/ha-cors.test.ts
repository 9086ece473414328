// CORS on HA: settings written on the active node apply at once on a standby, to requests it answers itself too.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type HaCluster, startHaCluster } from '../helpers/ha-cluster.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'

describe('CORS on a PostgreSQL HA cluster', { skip: await unmet(POSTGRES) }, () => {
  let cluster: HaCluster
  let root: string
  before(async () => {
    cluster = await startHaCluster(2)
    root = cluster.rootToken
  })
  after(() => cluster?.close())

  it('a standby refuses, names and preflights origins by the active node’s latest settings', async () => {
    const active = await cluster.active()
    const [standby] = cluster.standbys()
    const enable = await active.call('POST', 'sys/config/cors', {
      token: root,
      body: { allowed_origins: 'https://app.example', allowed_headers: 'X-Team' },
    })
    assert.equal(enable.status, 204)
    // The standby answers policy reads itself: the CORS decision is its own, and already current.
    const refused = await standby!.call('GET', 'sys/policies/acl', {
      token: root,
      headers: { origin: 'https://evil.example' },
    })
    assert.equal(refused.status, 403)
    assert.deepEqual(refused.body, { errors: ['origin not allowed'] })
    const allowed = await standby!.call('GET', 'sys/policies/acl?list=true', {
      token: root,
      headers: { origin: 'https://app.example' },
    })
    assert.equal(allowed.status, 200)
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example')
    const preflight = await fetch(`${standby!.address}/v1/secret/data/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' },
    })
    assert.equal(preflight.status, 204)
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /,X-Team$/)

    assert.equal((await active.call('DELETE', 'sys/config/cors', { token: root })).status, 204)
    const open = await standby!.call('GET', 'sys/policies/acl?list=true', {
      token: root,
      headers: { origin: 'https://evil.example' },
    })
    assert.equal(open.status, 200)
    assert.equal(open.headers.get('access-control-allow-origin'), null)
  })
})
