// `coffer server -dev` prints AWS exports that work as printed: the AWS CLI reads and writes Secrets Manager with them.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { program, unmet } from '../helpers/requirements.ts'
import { makeTempDir } from '../helpers/server.ts'

const AWS_CLI = program('aws', ['--version'])

/** The AWS_* variables of the dev banner's export line, once the banner has been printed to its end. */
async function exportsOf(server: ServerProcess): Promise<Record<string, string>> {
  while (!server.output().includes('Root Token:')) await new Promise((resolve) => setTimeout(resolve, 20))
  const line = server
    .output()
    .split('\n')
    .find((l) => l.includes('export AWS_ACCESS_KEY_ID'))
  assert.ok(line, `no AWS export line in:\n${server.output()}`)
  return Object.fromEntries([...line.matchAll(/(AWS_[A-Z_]+)='([^']*)'/g)].map((m) => [m[1]!, m[2]!]))
}

function aws(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'aws',
      args,
      {
        env: {
          ...process.env,
          ...env,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
    )
  })
}

describe('dev mode AWS keys', { skip: await unmet(AWS_CLI) }, () => {
  it('prints a chosen pair; the exports work for the AWS CLI as printed', async () => {
    const server = await spawnServer([
      '-dev',
      '-dev-inmem',
      '-dev-no-store-token',
      '-dev-listen-address=127.0.0.1:0',
      '-dev-aws-access-key-id=CKIADEVDEVDEVDEV2345',
      '-dev-aws-secret-access-key=devsecret0devsecret0',
    ])
    try {
      const env = await exportsOf(server)
      assert.equal(env['AWS_ACCESS_KEY_ID'], 'CKIADEVDEVDEVDEV2345')
      assert.equal(env['AWS_SECRET_ACCESS_KEY'], 'devsecret0devsecret0')
      assert.equal(env['AWS_ENDPOINT_URL'], server.address)
      const created = await aws(
        ['secretsmanager', 'create-secret', '--name', 'demo', '--secret-string', 'hello'],
        env,
      )
      assert.equal(created.code, 0, created.stderr)
      const read = await aws(
        [
          'secretsmanager',
          'get-secret-value',
          '--secret-id',
          'demo',
          '--query',
          'SecretString',
          '--output',
          'text',
        ],
        env,
      )
      assert.equal(read.stdout.trim(), 'hello')
    } finally {
      await server.stop()
    }
  })

  it('keeps a fresh pair across restarts of a persistent dev server', async () => {
    const dir = makeTempDir('coffer-dev-aws-')
    const args = [
      '-dev',
      '-dev-no-store-token',
      '-dev-listen-address=127.0.0.1:0',
      `-dev-data-dir=${dir.dir}`,
    ]
    try {
      const first = await spawnServer(args)
      const env = await exportsOf(first)
      assert.match(env['AWS_ACCESS_KEY_ID']!, /^CKIA[A-Z2-7]{16}$/)
      const created = await aws(
        ['secretsmanager', 'create-secret', '--name', 'kept', '--secret-string', 'v1'],
        {
          ...env,
        },
      )
      assert.equal(created.code, 0, created.stderr)
      await first.stop()
      const second = await spawnServer(args)
      try {
        const again = await exportsOf(second)
        assert.equal(again['AWS_ACCESS_KEY_ID'], env['AWS_ACCESS_KEY_ID'])
        assert.equal(again['AWS_SECRET_ACCESS_KEY'], env['AWS_SECRET_ACCESS_KEY'])
        const read = await aws(
          [
            'secretsmanager',
            'get-secret-value',
            '--secret-id',
            'kept',
            '--query',
            'SecretString',
            '--output',
            'text',
          ],
          { ...again },
        )
        assert.equal(read.stdout.trim(), 'v1', read.stderr)
      } finally {
        await second.stop()
      }
    } finally {
      dir.remove()
    }
  })
})
