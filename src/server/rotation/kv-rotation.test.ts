// KV v2 rotation in process: the built-in through the pipeline, password policies, failures and their redaction,
// cancelling, bad configurations, and rollback to the previous version.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { withDeadline } from '../../../test/helpers/deadline.ts'
import { startDevServer, type TestServer } from '../../../test/helpers/server.ts'

describe('KV v2 rotation', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer({
      rotationFunctions: {
        // Fails, printing the secret's value and its own token: the report must hold neither.
        'kv-failing': {
          kind: 'command',
          command: [
            '/bin/sh',
            '-c',
            'echo "seen: hunter2-old-value token: $VAULT_TOKEN" >&2; exit 4',
            'fail',
          ],
          timeoutMs: 10_000,
          env: {},
        },
        // Returns without writing anything.
        'kv-idle': { kind: 'command', command: ['/bin/true'], timeoutMs: 10_000, env: {} },
      },
    })
    assert.equal(
      (await t.call('POST', 'sys/mounts/kv', { body: { type: 'kv', options: { version: '2' } } })).status,
      204,
    )
  })
  after(async () => {
    await t?.close()
  })

  const write = (path: string, data: Record<string, unknown>) =>
    t.call('POST', `kv/data/${path}`, { body: { data } })
  const read = async (path: string, version?: number) =>
    (await t.call('GET', `kv/data/${path}${version ? `?version=${version}` : ''}`)).body.data

  /** The rotation status once the rotation in flight has ended (succeeded, or failed once). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  async function settled(path: string): Promise<Record<string, any>> {
    return withDeadline(
      (async () => {
        for (;;) {
          const s = (await t.call('GET', `kv/rotation/${path}`)).body.data
          if (s.rotation_status.state === 'Idle' || s.rotation_status.failed_step) return s
          await delay(50)
        }
      })(),
      `rotation of ${path}`,
      60_000,
    )
  }

  it('coffer-random-password writes the next version with a new password; other fields stay', async () => {
    await write('app/db', { username: 'app', password: 'first-password', host: 'db.internal' })
    const configured = await t.call('POST', 'kv/rotation/app/db', {
      body: { rotation_function: 'coffer-random-password', automatically_after_days: 30 },
    })
    assert.equal(configured.status, 200, JSON.stringify(configured.body))
    assert.equal(configured.body.data.rotation_status.state, 'InProgress')
    const s = await settled('app/db')
    assert.equal(s['rotation_status'].state, 'Idle')
    assert.equal(s['last_rotated_version'], 2)
    assert.ok(s['last_rotated_date'])
    assert.ok(s['next_rotation_date'])
    assert.deepEqual(s['rotation_rules'], { automatically_after_days: 30 })
    const now = await read('app/db')
    assert.equal(now.metadata.version, 2)
    assert.equal(now.data.username, 'app')
    assert.equal(now.data.host, 'db.internal')
    assert.match(now.data.password, /^[A-Za-z0-9_-]{32}$/)
    assert.deepEqual((await t.call('LIST', 'kv/rotation/')).body.data.keys, ['app/db'])
    // An empty write rotates again with the stored configuration.
    assert.equal((await t.call('POST', 'kv/rotation/app/db', { body: {} })).status, 200)
    assert.equal((await settled('app/db'))['last_rotated_version'], 3)
    assert.notEqual((await read('app/db')).data.password, now.data.password)
  })

  it('a named field and password policy', async () => {
    const policy = await t.call('POST', 'sys/policies/password/digits', {
      body: { policy: 'length = 12\nrule "charset" {\n  charset = "0123456789"\n}' },
    })
    assert.ok(policy.status < 300, JSON.stringify(policy.body))
    await write('app/pin', { pin: '0000' })
    await t.call('POST', 'kv/rotation/app/pin', {
      body: { rotation_function: 'coffer-random-password', field: 'pin', password_policy: 'digits' },
    })
    assert.equal((await settled('app/pin'))['rotation_status'].state, 'Idle')
    assert.match((await read('app/pin')).data.pin, /^\d{12}$/)
  })

  it('rollback: the previous version written again as the newest', async () => {
    await write('app/rollback', { password: 'before-rotation' })
    await t.call('POST', 'kv/rotation/app/rollback', {
      body: { rotation_function: 'coffer-random-password' },
    })
    await settled('app/rollback')
    assert.notEqual((await read('app/rollback')).data.password, 'before-rotation')
    // What `coffer kv rollback -version=1` does: version 1's data as version 3, with check-and-set on version 2.
    const previous = await read('app/rollback', 1)
    const rolled = await t.call('POST', 'kv/data/app/rollback', {
      body: { data: previous.data, options: { cas: 2 } },
    })
    assert.equal(rolled.body.data.version, 3)
    assert.equal((await read('app/rollback')).data.password, 'before-rotation')
  })

  it('a failing function: reported redacted, retried later, the secret untouched', async () => {
    await write('app/failing', { password: 'hunter2-old-value' })
    await t.call('POST', 'kv/rotation/app/failing', { body: { rotation_function: 'kv-failing' } })
    const status = (await settled('app/failing'))['rotation_status']
    assert.equal(status.state, 'Retrying')
    assert.equal(status.failed_step, 'rotateSecret')
    assert.equal(status.attempts, 1)
    assert.ok(status.next_attempt_date)
    assert.match(status.failure_message, /exited with status 4/)
    assert.doesNotMatch(status.failure_message, /hunter2-old-value/)
    assert.match(status.failure_message, /token: \[redacted\]/)
    assert.equal((await read('app/failing')).metadata.version, 1)
    // A second request while the retry waits is refused; cancelling drops the retry.
    const again = await t.call('POST', 'kv/rotation/app/failing', { body: {} })
    assert.equal(again.status, 400)
    assert.match(again.body.errors[0], /in progress/)
    const cancelled = await t.call('DELETE', 'kv/rotation/app/failing')
    assert.equal(cancelled.status, 200)
    assert.equal(cancelled.body.data.rotation_enabled, false)
    assert.equal(cancelled.body.data.rotation_status.version_id, undefined)
  })

  it('a function that writes nothing has failed', async () => {
    await write('app/idle', { password: 'x' })
    await t.call('POST', 'kv/rotation/app/idle', { body: { rotation_function: 'kv-idle' } })
    const status = (await settled('app/idle'))['rotation_status']
    assert.match(status.failure_message, /wrote no new version/)
    await t.call('DELETE', 'kv/rotation/app/idle')
  })

  it('refuses unknown functions, Secrets Manager-only built-ins, bad schedules and missing secrets with 400', async () => {
    await write('app/bad', { password: 'x' })
    for (const [body, message] of [
      [{ rotation_function: 'nothing-by-that-name' }, /no rotation function named/],
      [{ rotation_function: 'coffer-postgresql-single-user' }, /no rotation function named/],
      [{}, /rotation_function is required/],
      [{ rotation_function: 'coffer-random-password', schedule_expression: 'rate(1 hours)' }, /four hours/],
      [{ rotation_function: 'coffer-random-password', automatically_after_days: 0 }, /1-1000/],
      [{ rotation_function: 'coffer-random-password', password_policy: 'a/b' }, /password policy name/],
    ] as const) {
      const reply = await t.call('POST', 'kv/rotation/app/bad', { body })
      assert.equal(reply.status, 400, JSON.stringify(body))
      assert.match(reply.body.errors[0], message)
    }
    const missing = await t.call('POST', 'kv/rotation/app/none', {
      body: { rotation_function: 'coffer-random-password' },
    })
    assert.equal(missing.status, 400)
    assert.equal((await t.call('GET', 'kv/rotation/app/none')).status, 404)
    assert.equal((await read('app/bad')).metadata.version, 1)
  })

  it('deleting the secret (metadata) removes its rotation', async () => {
    await write('app/gone', { password: 'x' })
    await t.call('POST', 'kv/rotation/app/gone', {
      body: {
        rotation_function: 'coffer-random-password',
        rotate_immediately: false,
        automatically_after_days: 1,
      },
    })
    assert.equal((await t.call('GET', 'kv/rotation/app/gone')).status, 200)
    await t.call('DELETE', 'kv/metadata/app/gone')
    assert.equal((await t.call('GET', 'kv/rotation/app/gone')).status, 404)
  })

  it('rotate_immediately=false only schedules', async () => {
    await write('app/later', { password: 'x' })
    const reply = await t.call('POST', 'kv/rotation/app/later', {
      body: {
        rotation_function: 'coffer-random-password',
        schedule_expression: 'rate(10 days)',
        rotate_immediately: false,
      },
    })
    assert.equal(reply.body.data.rotation_status.state, 'Idle')
    assert.ok(reply.body.data.scheduled_rotation_date)
    assert.equal((await read('app/later')).metadata.version, 1)
  })
})
