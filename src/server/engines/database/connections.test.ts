// The open-pool cache against the shared PostgreSQL: a close waits for the calls running on the pool, none is stranded.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { describeUnless, POSTGRES, unmet } from '../../../../test/helpers/requirements.ts'
import { Connections, StaleConfigError } from './connections.ts'
import type { DbConfig } from './model.ts'

const config = (password: string): DbConfig => ({
  plugin_name: 'postgresql-database-plugin',
  connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/test?sslmode=disable',
  username: 'postgres',
  password,
  // One connection: every call but the first waits in the pool's queue, where a close used to strand it.
  max_open_connections: 1,
  max_idle_connections: 0,
  max_connection_lifetime: 0,
  host: '',
  port: 0,
  tls: false,
  insecure_tls: false,
  ca_cert: '',
  allowed_roles: ['*'],
  verify_connection: false,
  password_policy: '',
  username_template: '',
  root_rotation_statements: [],
})

describeUnless(await unmet(POSTGRES), 'database connections: closing under running calls', () => {
  it('a close (reset, delete) or a reopen (changed config) lets every call already queued on the pool finish', async () => {
    const connections = new Connections()
    const calls = (password: string) =>
      Array.from({ length: 4 }, () => connections.use('pg', config(password), (c) => c.verify()))
    const first = calls('unused-with-trust')
    const closed = connections.close('pg')
    // A changed config reopens: the calls on the old pool finish, those on the new one run there.
    const second = calls('changed-password')
    const answers = await Promise.allSettled([...first, closed, ...second])
    assert.deepEqual(
      answers.filter((a) => a.status === 'rejected').map((a) => String(a.reason)),
      [],
    )
    await connections.closeAll()
  })

  it('a caller that read its config before a close is refused instead of reopening a pool nobody closes', async () => {
    const connections = new Connections()
    const seen = connections.generation('pg')
    await connections.close('pg')
    let ran = false
    await assert.rejects(
      connections.use(
        'pg',
        config('unused-with-trust'),
        async () => {
          ran = true
        },
        seen,
      ),
      StaleConfigError,
    )
    assert.equal(ran, false, 'nothing ran on the stale config')
    // A caller that read the config after the close proceeds; a reopen for a changed config refuses nobody.
    const now = connections.generation('pg')
    await connections.use('pg', config('unused-with-trust'), (c) => c.verify(), now)
    await connections.use('pg', config('changed-password'), (c) => c.verify(), now)
    await connections.closeAll()
  })

  it('after closeAll (the mount is going away) a request still in flight opens no pool', async () => {
    const connections = new Connections()
    await connections.use('pg', config('unused-with-trust'), (c) => c.verify())
    await connections.closeAll()
    let ran = false
    await assert.rejects(
      connections.use('pg', config('unused-with-trust'), async () => {
        ran = true
      }),
      /connections of this mount are closed/,
    )
    assert.equal(ran, false)
  })
})
