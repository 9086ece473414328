// The proof: a rotation function shaped like AWS's PostgreSQL single-user template (Python, boto3, psycopg)
// rotates a real database user's password through the command runner, with credentials that reach only that secret.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { after, before, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { BOTO3 } from '../helpers/aws-clients.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts'
import { describeUnless, PG_CLUSTER, program, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./rotation_postgres_single_user.py', import.meta.url))
const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:pg-single-user'
/** psycopg, the driver AWS's PostgreSQL template uses, beside boto3 in the `python3` on the PATH (.ci/run installs it). */
const PSYCOPG = program('python3', ['-c', 'import psycopg'])

describeUnless(
  await unmet(PG_CLUSTER, BOTO3, PSYCOPG),
  'rotation: AWS’s PostgreSQL template as a command',
  () => {
    let cluster: PgCluster
    let t: TestServer
    let sm: SecretsManagerClient
    before(async () => {
      cluster = await startPgCluster()
      // The interpreter itself (not a version manager's shim): a command gets PATH and nothing else of the environment.
      const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
        encoding: 'utf8',
      }).trim()
      t = await startDevServer({
        devAws: true,
        rotationFunctions: {
          'pg-single-user': { kind: 'command', command: [python, SCRIPT], timeoutMs: 60_000, env: {} },
        },
      })
      const keys = t.server.awsKeys!
      sm = new SecretsManagerClient({
        endpoint: t.address,
        region: 'us-east-1',
        credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
        maxAttempts: 1,
      })
    })
    after(async () => {
      sm?.destroy()
      await t?.close()
      await cluster?.remove()
    })

    const secretFor = (user: string, password: string) =>
      JSON.stringify({
        engine: 'postgres',
        host: '127.0.0.1',
        port: cluster.port,
        username: user,
        password,
        dbname: 'postgres',
      })

    /** The rotation status (Vault API) once it has succeeded or failed: AWS SDKs drop DescribeSecret's RotationStatus. */
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
    async function settled(name: string): Promise<Record<string, any>> {
      return withDeadline(
        (async () => {
          for (;;) {
            const s = (await t.call('GET', `secretsmanager/rotation/${name}`)).body.data
            if (s.last_rotated_date || s.rotation_status.failed_step) return s
            await delay(200)
          }
        })(),
        `rotation of ${name}`,
        120_000,
      )
    }

    it('rotates the user’s password: the new one logs in, the old one no longer does', async () => {
      await cluster.query(`CREATE ROLE app_rot LOGIN PASSWORD 'initial-Passw0rd'`)
      assert.equal(await cluster.login('app_rot', 'initial-Passw0rd'), 'ok')
      await sm.send(
        new CreateSecretCommand({ Name: 'db/app', SecretString: secretFor('app_rot', 'initial-Passw0rd') }),
      )
      const rotated = await sm.send(
        new RotateSecretCommand({
          SecretId: 'db/app',
          RotationLambdaARN: FUNCTION,
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      )
      const s = await settled('db/app')
      assert.equal(s['rotation_status'].state, 'Idle', JSON.stringify(s['rotation_status']))
      const d = await sm.send(new DescribeSecretCommand({ SecretId: 'db/app' }))
      assert.ok(d.LastRotatedDate instanceof Date)
      assert.ok(d.NextRotationDate instanceof Date)
      assert.deepEqual(d.VersionIdsToStages?.[rotated.VersionId!], ['AWSCURRENT'])
      const current = JSON.parse(
        (await sm.send(new GetSecretValueCommand({ SecretId: 'db/app' }))).SecretString!,
      )
      assert.notEqual(current.password, 'initial-Passw0rd')
      assert.equal(await cluster.login('app_rot', current.password), 'ok')
      assert.equal(await cluster.login('app_rot', 'initial-Passw0rd'), '28P01')
      // The credentials the command got are gone with the rotation: no temporary role or policy is left.
      const roles = await t.call('LIST', 'auth/aws-keys/role')
      assert.deepEqual(
        (roles.body?.data?.keys ?? []).filter((r: string) => r.startsWith('rotation-')),
        [],
      )
    })

    it('a failure is reported with the function’s output, AWSCURRENT untouched, the password kept out', async () => {
      await cluster.query(`CREATE ROLE app_bad LOGIN PASSWORD 'real-Passw0rd'`)
      // The secret holds a password the database does not accept: setSecret cannot log in.
      await sm.send(
        new CreateSecretCommand({ Name: 'db/bad', SecretString: secretFor('app_bad', 'stale-Passw0rd') }),
      )
      await sm.send(new RotateSecretCommand({ SecretId: 'db/bad', RotationLambdaARN: FUNCTION }))
      const failure = (await settled('db/bad'))['rotation_status']
      assert.equal(failure.failed_step, 'setSecret')
      assert.match(failure.failure_message, /setSecret: no stored password of .* logs in/)
      assert.doesNotMatch(failure.failure_message, /stale-Passw0rd/)
      const current = JSON.parse(
        (await sm.send(new GetSecretValueCommand({ SecretId: 'db/bad' }))).SecretString!,
      )
      assert.equal(current.password, 'stale-Passw0rd')
      assert.equal(await cluster.login('app_bad', 'real-Passw0rd'), 'ok')
    })
  },
)
