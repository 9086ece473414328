// The built-in database rotators through RotateSecret on a real server process: PostgreSQL single user, PostgreSQL and
// MariaDB alternating users (registered with the master secret's policy), the audit log, and zero failed queries,
// also for a single-user rotation whose application logs in again on the change event.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { withDeadline } from '../helpers/deadline.ts'
import { subscribe } from '../helpers/event-subscriber.ts'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { describeUnless, unmet } from '../helpers/requirements.ts'
import { RotatedApp } from '../helpers/rotation-app.ts'
import { mariaDatabase, postgresDatabase } from '../helpers/rotation-databases.ts'
import { client, makeTempDir } from '../helpers/server.ts'

const ROOT_TOKEN = 'root-rotation-e2e'
const ACCESS_KEY = 'CKIAROTATIONE2E23456'
const SECRET_KEY = 'rotationE2EsecretKey0123456789'
const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`
const ROTATIONS = 6

const pgDb = postgresDatabase()
const mariaDb = mariaDatabase()

describeUnless(
  await unmet(...pgDb.requirements, ...mariaDb.requirements),
  'built-in rotators through RotateSecret (server process)',
  () => {
    const dir = makeTempDir()
    const auditFile = join(dir.dir, 'audit.log')
    let server: ServerProcess
    let call: ReturnType<typeof client>
    let sm: SecretsManagerClient
    /** Every password any secret held, to look for in the audit log. */
    const passwords = new Set<string>()
    const users: { db: typeof pgDb | typeof mariaDb; name: string }[] = []

    before(async () => {
      await pgDb.start()
      await mariaDb.start()
      const config = join(dir.dir, 'coffer.hcl')
      // Two registrations of the same built-in: only the one with the operator's policy may read master secrets.
      writeFileSync(
        config,
        `storage "inmem" {}
listener "tcp" { tls_disable = true }
rotation_function "pg-alternating" {
  builtin  = "coffer-postgresql-alternating-users"
  policies = ["db-master-read"]
}
rotation_function "pg-alternating-no-master" {
  builtin = "coffer-postgresql-alternating-users"
}
rotation_function "maria-alternating" {
  builtin  = "coffer-mysql-alternating-users"
  policies = ["db-master-read"]
}
`,
      )
      server = await spawnServer([
        '-dev',
        '-dev-inmem',
        '-dev-no-store-token',
        '-dev-listen-address=127.0.0.1:0',
        `-dev-root-token-id=${ROOT_TOKEN}`,
        `-dev-aws-access-key-id=${ACCESS_KEY}`,
        `-dev-aws-secret-access-key=${SECRET_KEY}`,
        `-config=${config}`,
      ])
      call = client(server.address, ROOT_TOKEN)
      assert.equal(
        (await call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: auditFile } } }))
          .status,
        204,
      )
      const policy = await call('PUT', 'sys/policies/acl/db-master-read', {
        body: {
          policy:
            'path "secretsmanager/secrets/db/pg-master" { capabilities = ["read"] }\npath "secretsmanager/secrets/db/maria-master" { capabilities = ["read"] }',
        },
      })
      assert.equal(policy.status, 204, JSON.stringify(policy.body))
      sm = new SecretsManagerClient({
        endpoint: server.address,
        region: 'us-east-1',
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
        maxAttempts: 1,
      })
      await createSecret('db/pg-master', { ...pgDb.base, ...pgDb.master })
      await createSecret('db/maria-master', { ...mariaDb.base, ...mariaDb.master })
    })
    after(async () => {
      sm?.destroy()
      await server?.stop()
      for (const { db, name } of users) await db.dropUser(name).catch(() => {})
      await pgDb.stop()
      await mariaDb.stop()
      dir.remove()
    })

    async function createSecret(name: string, value: Record<string, unknown>): Promise<string> {
      if (typeof value['password'] === 'string') passwords.add(value['password'])
      const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }))
      return out.ARN!
    }

    async function newUser(db: typeof pgDb | typeof mariaDb) {
      const username = `rb_${randomBytes(4).toString('hex')}`
      const password = `Pw-${randomBytes(9).toString('base64url')}`
      users.push({ db, name: username }, { db, name: `${username}_clone` })
      await db.createUser(username, password)
      return { username, password }
    }

    async function current(secretId: string): Promise<Record<string, unknown>> {
      const out = await sm.send(new GetSecretValueCommand({ SecretId: secretId }))
      const value = JSON.parse(out.SecretString!)
      passwords.add(value.password)
      return value
    }

    /** The rotation status (Vault API: AWS SDKs drop DescribeSecret's RotationStatus) once `token` is current or failed. */
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
    async function settled(name: string, token: string): Promise<Record<string, any>> {
      return withDeadline(
        (async () => {
          for (;;) {
            const s = (await call('GET', `secretsmanager/rotation/${name}`)).body.data
            const d = await sm.send(new DescribeSecretCommand({ SecretId: name }))
            const done =
              d.VersionIdsToStages?.[token]?.includes('AWSCURRENT') && s.rotation_status.state === 'Idle'
            if (done || s.rotation_status.failed_step) return s
            await delay(100)
          }
        })(),
        `rotation of ${name}`,
        120_000,
      )
    }

    async function rotateNow(name: string, functionName?: string): Promise<string> {
      const out = await sm.send(
        new RotateSecretCommand({
          SecretId: name,
          ...(functionName
            ? { RotationLambdaARN: ARN(functionName), RotationRules: { AutomaticallyAfterDays: 30 } }
            : {}),
        }),
      )
      return out.VersionId!
    }

    /** One full rotation: all four steps ran, labels as AWS leaves them, the new credentials log in. */
    async function rotatedOnce(
      db: typeof pgDb | typeof mariaDb,
      name: string,
      functionName: string,
    ): Promise<{ before: Record<string, unknown>; after: Record<string, unknown>; token: string }> {
      const before = await current(name)
      const described = await sm.send(new DescribeSecretCommand({ SecretId: name }))
      const oldVersion = Object.keys(described.VersionIdsToStages ?? {}).find((v) =>
        described.VersionIdsToStages![v]!.includes('AWSCURRENT'),
      )!
      const token = await rotateNow(name, functionName)
      const status = await settled(name, token)
      assert.equal(status['rotation_status'].state, 'Idle', JSON.stringify(status['rotation_status']))
      const d = await sm.send(new DescribeSecretCommand({ SecretId: name }))
      assert.ok(d.LastRotatedDate instanceof Date, 'LastRotatedDate')
      assert.equal(d.RotationEnabled, true)
      assert.deepEqual(d.VersionIdsToStages?.[token], ['AWSCURRENT'])
      assert.deepEqual(d.VersionIdsToStages?.[oldVersion], ['AWSPREVIOUS'])
      const after = await current(name)
      assert.notEqual(after['password'], before['password'])
      assert.equal(await db.works(String(after['username']), String(after['password'])), true)
      // Every step's calls went through the pipeline with the attempt's token, and were audited.
      const audit = readFileSync(auditFile, 'utf8')
      for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'])
        assert.ok(audit.includes(`rotation-${token}-${step}-`), `audit holds ${step} of ${token}`)
      return { before, after, token }
    }

    it('PostgreSQL single user: RotateSecret runs the four steps; the old password stops working', async () => {
      const { username, password } = await newUser(pgDb)
      await createSecret('db/pg-single', { ...pgDb.base, username, password })
      const { after } = await rotatedOnce(pgDb, 'db/pg-single', 'coffer-postgresql-single-user')
      assert.equal(after['username'], username)
      assert.equal(await pgDb.logsIn(username, password), false)
    })

    it('PostgreSQL alternating users, registered with the master policy: the clone becomes current, then back', async () => {
      const { username, password } = await newUser(pgDb)
      await createSecret('db/pg-alt', {
        ...pgDb.base,
        username,
        password,
        masterarn: 'db/pg-master',
      })
      const first = await rotatedOnce(pgDb, 'db/pg-alt', 'pg-alternating')
      assert.equal(first.after['username'], `${username}_clone`)
      // The previous user is untouched: it still works until the next rotation.
      assert.equal(await pgDb.works(username, password), true)
      const second = await rotatedOnce(pgDb, 'db/pg-alt', 'pg-alternating')
      assert.equal(second.after['username'], username)
      assert.equal(await pgDb.works(`${username}_clone`, String(first.after['password'])), true)
    })

    it('without the master policy the rotation fails at setSecret, access denied; AWSCURRENT still works', async (t) => {
      const { username, password } = await newUser(pgDb)
      await createSecret('db/pg-alt-denied', {
        ...pgDb.base,
        username,
        password,
        masterarn: 'db/pg-master',
      })
      const token = await rotateNow('db/pg-alt-denied', 'pg-alternating-no-master')
      const status = (await settled('db/pg-alt-denied', token))['rotation_status']
      assert.equal(status.failed_step, 'setSecret')
      t.diagnostic(status.failure_message)
      assert.match(status.failure_message, /^setSecret: reading the master secret .*AccessDeniedException/)
      assert.doesNotMatch(status.failure_message, new RegExp(pgDb.master.password))
      const value = await current('db/pg-alt-denied')
      assert.equal(value['password'], password)
      assert.equal(await pgDb.works(username, password), true)
      assert.equal(await pgDb.exists(`${username}_clone`), false)
      // CancelRotateSecret: no retry runs after the test.
      assert.ok((await call('DELETE', 'secretsmanager/rotation/db/pg-alt-denied')).status < 300)
      // With the policy, masterarn pointing at a master secret the operator did not grant gains nothing either:
      // the grant is the config's, never the secret's contents.
      await createSecret('db/other-master', { ...pgDb.base, ...pgDb.master })
      const other = await newUser(pgDb)
      await createSecret('db/pg-alt-elsewhere', {
        ...pgDb.base,
        ...other,
        masterarn: 'db/other-master',
      })
      const otherToken = await rotateNow('db/pg-alt-elsewhere', 'pg-alternating')
      const otherStatus = (await settled('db/pg-alt-elsewhere', otherToken))['rotation_status']
      assert.equal(otherStatus.failed_step, 'setSecret')
      assert.match(
        otherStatus.failure_message,
        /^setSecret: reading the master secret .*AccessDeniedException/,
      )
      assert.equal((await current('db/pg-alt-elsewhere'))['password'], other.password)
      assert.equal(await pgDb.exists(`${other.username}_clone`), false)
      assert.ok((await call('DELETE', 'secretsmanager/rotation/db/pg-alt-elsewhere')).status < 300)
    })

    it('MariaDB alternating users through the registered built-in', async () => {
      const { username, password } = await newUser(mariaDb)
      await createSecret('db/maria-alt', {
        ...mariaDb.base,
        username,
        password,
        masterarn: 'db/maria-master',
      })
      const first = await rotatedOnce(mariaDb, 'db/maria-alt', 'maria-alternating')
      assert.equal(first.after['username'], `${username}_clone`)
      assert.equal(await mariaDb.works(username, password), true)
    })

    it(`zero downtime: an application pool reading AWSCURRENT keeps querying through ${ROTATIONS} RotateSecret calls`, async (t) => {
      const { username, password } = await newUser(pgDb)
      await createSecret('db/pg-app', { ...pgDb.base, username, password, masterarn: 'db/pg-master' })
      const read = () => current('db/pg-app')
      const fresh = new RotatedApp(pgDb, read, { workers: 2, loginEvery: 2 })
      const longLived = new RotatedApp(pgDb, read, { workers: 1 })
      fresh.start()
      longLived.start()
      try {
        for (let i = 0; i < ROTATIONS; i++) {
          const token = await rotateNow('db/pg-app', i === 0 ? 'pg-alternating' : undefined)
          const status = await settled('db/pg-app', token)
          assert.equal(status['rotation_status'].state, 'Idle', JSON.stringify(status['rotation_status']))
          await fresh.settle()
          await longLived.settle()
        }
      } finally {
        await fresh.stop()
        await longLived.stop()
      }
      t.diagnostic(
        `${fresh.queries + longLived.queries} queries, ${fresh.logins + longLived.logins} logins, ${fresh.failures.length + longLived.failures.length} failed`,
      )
      assert.deepEqual([...fresh.failures, ...longLived.failures], [])
      assert.deepEqual([...fresh.usernames].sort(), [username, `${username}_clone`].sort())
      assert.ok(fresh.logins > ROTATIONS)
    })

    it(`zero downtime, single user: the application logs in again on the change event, through ${ROTATIONS} rotations`, async (t) => {
      const { username, password } = await newUser(pgDb)
      await createSecret('db/pg-evented', { ...pgDb.base, username, password })
      // Long-lived connections only: the application logs in again when Coffer says AWSCURRENT moved, never
      // before. setSecret changes the password while its connections stay open, so no query may fail.
      const app = new RotatedApp(pgDb, () => current('db/pg-evented'), { workers: 2 })
      const events = await subscribe(server.address, 'secretsmanager/update-secret-version-stage', ROOT_TOKEN)
      app.start()
      let reconnects = 0
      try {
        for (let i = 0; i < ROTATIONS; i++) {
          const token = await rotateNow(
            'db/pg-evented',
            i === 0 ? 'coffer-postgresql-single-user' : undefined,
          )
          for (;;) {
            const event = await withDeadline(events.next(), 'the AWSCURRENT move event', 120_000)
            const metadata = event.data.event.metadata
            if (
              metadata.name === 'db/pg-evented' &&
              metadata.version_stage === 'AWSCURRENT' &&
              metadata.move_to_version_id === token
            )
              break
          }
          app.reconnect()
          reconnects++
          const status = await settled('db/pg-evented', token)
          assert.equal(status['rotation_status'].state, 'Idle', JSON.stringify(status['rotation_status']))
          await app.settle()
        }
      } finally {
        await app.stop()
        events.close()
      }
      t.diagnostic(`${app.queries} queries, ${app.logins} logins, ${app.failures.length} failed`)
      assert.deepEqual(app.failures, [])
      assert.equal(reconnects, ROTATIONS)
      assert.ok(app.logins >= 2 * (ROTATIONS + 1), `${app.logins} logins`)
      assert.equal(await pgDb.logsIn(username, password), false, 'the first password was rotated away')
    })

    it('the audit log holds no password in clear', async () => {
      const audit = readFileSync(auditFile, 'utf8')
      assert.ok(audit.length > 0)
      const found = [...passwords].filter((p) => p !== '' && audit.includes(p))
      assert.deepEqual(found, [], 'passwords found in the audit log')
      assert.ok(passwords.size >= 10, `checked ${passwords.size} passwords`)
    })
  },
)
