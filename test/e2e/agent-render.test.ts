// The agent's template runner in-process against a dev server: one read per secret per cycle, writes only on change.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import type { TemplateConfig } from '../../src/agent/config/agent-config.ts'
import { TemplateRunner } from '../../src/agent/render/template-runner.ts'
import { type SecretEnvelope, VaultClient } from '../../src/client/index.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.ts'
import { postgresEngine } from '../helpers/pg-engine.ts'
import { POSTGRES, unmet } from '../helpers/requirements.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

/** A real client that counts the reads it sends. */
class CountingClient extends VaultClient {
  reads: string[] = []
  override read(path: string, query?: Record<string, string>): Promise<SecretEnvelope | undefined> {
    this.reads.push(path)
    return super.read(path, query)
  }
}

const template = (
  destination: string,
  contents: string,
  extra: Partial<TemplateConfig> = {},
): TemplateConfig => ({
  source: undefined,
  contents,
  destination,
  perms: 0o600,
  command: undefined,
  errorOnMissingKey: false,
  leftDelimiter: '{{',
  rightDelimiter: '}}',
  createDestDirs: true,
  line: 1,
  ...extra,
})

describe('agent template runner', () => {
  let t: TestServer
  let temp: ReturnType<typeof makeTempDir>
  before(async () => {
    t = await startDevServer()
    temp = makeTempDir('coffer-agent-render-')
    await t.call('POST', 'secret/data/shared', { body: { data: { a: '1', b: '2' } } })
  })
  after(async () => {
    await t?.close()
    temp?.remove()
  })

  it('reads a secret used by several templates once per cycle, and rewrites (and runs commands) only on change', async () => {
    const client = new CountingClient({ address: t.address, token: t.rootToken })
    const dir = join(temp.dir, 'nested', 'dir')
    const marker = join(temp.dir, 'commands.log')
    const runner = new TemplateRunner({
      client,
      templates: [
        template(join(dir, 'a.txt'), '{{ with secret "secret/data/shared" }}{{ .Data.data.a }}{{ end }}', {
          command: `echo ran >> '${marker}'`,
        }),
        template(join(dir, 'b.txt'), '{{ (secret "secret/data/shared").Data.data.b }}'),
        template(
          join(dir, 'c.txt'),
          '{{ with secret "secret/data/shared" }}{{ .Data.data | toJSON }}{{ end }}',
        ),
      ],
      env: { PATH: process.env['PATH'] ?? '' },
      log: () => {},
      onForbidden: () => assert.fail('no read is refused with the root token'),
    })
    const first = await runner.renderAll()
    assert.deepEqual(first, { rendered: 3, failed: 0, nextLeaseRefresh: Number.POSITIVE_INFINITY })
    assert.deepEqual(client.reads, ['secret/data/shared'])
    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), '1')
    assert.equal(readFileSync(join(dir, 'b.txt'), 'utf8'), '2')
    assert.equal(readFileSync(join(dir, 'c.txt'), 'utf8'), '{"a":"1","b":"2"}')
    assert.equal(statSync(join(dir, 'a.txt')).mode & 0o777, 0o600)
    assert.deepEqual(readdirSync(dir).sort(), ['a.txt', 'b.txt', 'c.txt'], 'no temporary file is left behind')
    assert.equal(readFileSync(marker, 'utf8'), 'ran\n')

    const unchanged = await runner.renderAll()
    assert.equal(unchanged.rendered, 0)
    assert.equal(client.reads.length, 2, 'a new cycle reads the secret again, once')
    assert.equal(readFileSync(marker, 'utf8'), 'ran\n', 'no command without a change')

    await t.call('POST', 'secret/data/shared', { body: { data: { a: '10', b: '2' } } })
    const changed = await runner.renderAll()
    assert.equal(changed.rendered, 2, 'a.txt and c.txt change, b.txt does not')
    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), '10')
    assert.equal(readFileSync(marker, 'utf8'), 'ran\nran\n')
    client.close()
  })

  it('a denied read fails the template, keeps the file and reports the refusal', async () => {
    const limited = await t.call('POST', 'auth/token/create', { body: { policies: ['default'] } })
    const client = new VaultClient({ address: t.address, token: limited.body.auth.client_token })
    let forbidden = 0
    const messages: string[] = []
    const runner = new TemplateRunner({
      client,
      templates: [template(join(temp.dir, 'denied.txt'), '{{ (secret "secret/data/shared").Data.data.a }}')],
      env: {},
      log: (_level, message) => messages.push(message),
      onForbidden: () => forbidden++,
    })
    const result = await runner.renderAll()
    assert.equal(result.failed, 1)
    assert.equal(forbidden, 1)
    assert.match(messages.join('\n'), /reading secret\/data\/shared: permission denied/)
    client.close()
  })
})

describe('agent template runner with leased PostgreSQL credentials', async () => {
  const skip = await unmet(POSTGRES)
  let t: TestServer
  let db: TestDatabase
  let temp: ReturnType<typeof makeTempDir>
  before(async () => {
    if (skip) return
    t = await startDevServer()
    db = await createTestDatabase()
    temp = makeTempDir('coffer-agent-lease-')
    await postgresEngine(t.call, db.url, { short: { defaultTtl: '3s', maxTtl: '3s' } })
  })
  after(async () => {
    await t?.close()
    await db?.drop()
    temp?.remove()
  })

  it('keeps leased credentials between cycles and fetches new ones two thirds into the lease', {
    skip,
  }, async () => {
    const client = new CountingClient({ address: t.address, token: t.rootToken })
    const out = join(temp.dir, 'creds.txt')
    const runner = new TemplateRunner({
      client,
      templates: [template(out, '{{ with secret "database/creds/short" }}{{ .Data.username }}{{ end }}')],
      env: {},
      log: () => {},
      onForbidden: () => {},
    })
    const first = await runner.renderAll()
    const firstUser = readFileSync(out, 'utf8')
    assert.ok(Number.isFinite(first.nextLeaseRefresh), 'the runner knows when the lease needs a refresh')
    const again = await runner.renderAll()
    assert.equal(again.rendered, 0)
    assert.equal(
      client.reads.length,
      1,
      'leased credentials are not read again (no new database user per cycle)',
    )
    while (Date.now() < first.nextLeaseRefresh) await delay(Math.max(1, first.nextLeaseRefresh - Date.now()))
    const refreshed = await runner.renderAll()
    assert.equal(refreshed.rendered, 1)
    assert.equal(client.reads.length, 2)
    assert.notEqual(readFileSync(out, 'utf8'), firstUser)
    client.close()
  })
})
