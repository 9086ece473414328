// Vault's JSON body limits on a running server: each at and one past its default and a configured value, refused
// with 400 before the body is parsed or the caller authenticated, on the Vault API and the AWS JSON protocol.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ServerProcess, spawnServer } from '../helpers/process.ts'
import { client, makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

const entries = (n: number) => Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')
const elements = (n: number) => Array.from({ length: n }, (_, i) => `${i}`).join(',')
const STRING_MESSAGE =
  /^JSON string value exceeds allowed length: request body has a string longer than (\d+) bytes/
const OBJECT_MESSAGE =
  /^JSON object exceeds allowed entry count: request body has an object with more than (\d+)/
const ARRAY_MESSAGE =
  /^JSON array exceeds allowed element count: request body has an array with more than (\d+)/

describe("JSON body limits, Vault's defaults", () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer({ storage: 'inmem' })
    await t.call('POST', 'sys/mounts/kv', { body: { type: 'kv', options: { version: '2' } } })
  })
  after(() => t.close())

  const write = (body: string) => t.call('POST', 'kv/data/limits', { body })
  const refusal = (
    reply: { status: number; body: { errors?: string[] } },
    message: RegExp,
    limit: number,
  ) => {
    assert.equal(reply.status, 400)
    assert.equal(reply.body.errors?.length, 1)
    assert.equal(message.exec(reply.body.errors![0]!)?.[1], String(limit), reply.body.errors![0])
  }

  it('takes 10,000 entries in one object and refuses 10,001, while many objects of 10,000 pass', async () => {
    assert.equal((await write(`{"data":{${entries(10_000)}}}`)).status, 200)
    refusal(await write(`{"data":{${entries(10_001)}}}`), OBJECT_MESSAGE, 10_000)
    // Per object, as Vault counts: 3 objects of 10,000 entries, 30,000 in all.
    const three = `{"data":{"a":{${entries(10_000)}},"b":{${entries(10_000)}},"c":{${entries(10_000)}}}}`
    assert.equal((await write(three)).status, 200)
  })

  it('takes an array of 10,000 elements and refuses 10,001', async () => {
    assert.equal((await write(`{"data":{"a":[${elements(10_000)}]}}`)).status, 200)
    refusal(await write(`{"data":{"a":[${elements(10_001)}]}}`), ARRAY_MESSAGE, 10_000)
  })

  it('takes a 1 MiB string and refuses one byte more, without quoting it', async () => {
    const atLimit = 's'.repeat(1_048_576)
    assert.equal((await write(`{"data":{"v":"${atLimit}"}}`)).status, 200)
    const read = await t.call('GET', 'kv/data/limits')
    assert.equal(read.body.data.data.v, atLimit)
    const past = await write(`{"data":{"v":"hunter2${'s'.repeat(1_048_570)}"}}`)
    refusal(past, STRING_MESSAGE, 1_048_576)
    assert.equal(JSON.stringify(past.body).includes('hunter2'), false)
  })

  it('refuses an unauthenticated million-key body with the entry limit, not the permission check after parsing', async () => {
    const anon = client(t.address, '')
    // A small body from the same caller is parsed and reaches the permission check.
    assert.equal((await anon('POST', 'kv/data/limits', { body: '{"data":{"k":1}}' })).status, 403)
    const million = `{"data":{${entries(1_000_000)}}}`
    assert.ok(million.length > 10_000_000 && million.length < 32 * 1024 * 1024)
    refusal(await anon('POST', 'kv/data/limits', { body: million }), OBJECT_MESSAGE, 10_000)
    refusal(
      await anon('POST', 'auth/userpass/login/u', { body: `{${entries(1_000_000)}}` }),
      OBJECT_MESSAGE,
      10_000,
    )
    // The server is still serving.
    assert.equal((await t.call('GET', 'sys/health')).status, 200)
  })

  it('refuses a million-key body to the AWS JSON protocol as a SerializationException, before its signature', async () => {
    const aws = (body: string) =>
      fetch(`${t.address}/`, {
        method: 'POST',
        headers: {
          'x-amz-target': 'secretsmanager.CreateSecret',
          'content-type': 'application/x-amz-json-1.1',
        },
        body,
      })
    const small = await aws('{"Name":"n"}')
    assert.equal(small.status, 400)
    assert.equal(((await small.json()) as { __type: string }).__type, 'UnknownOperationException')
    const million = await aws(`{${entries(1_000_000)}}`)
    assert.equal(million.status, 400)
    assert.deepEqual(await million.json(), {
      __type: 'SerializationException',
      message:
        'JSON object exceeds allowed entry count: The request body has an object with more than 10000 entries (max_json_object_entry_count)',
    })
  })
})

describe('JSON body limits set in the listener block of a config file', () => {
  const temp = makeTempDir()
  let server: ServerProcess
  let call: ReturnType<typeof client>
  before(async () => {
    const config = join(temp.dir, 'coffer.hcl')
    writeFileSync(
      config,
      `storage "inmem" {}
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
  max_json_depth = 4
  max_json_string_value_length = 16
  max_json_object_entry_count = 3
  max_json_array_element_count = "2"
}
disable_mlock = true
`,
    )
    server = await spawnServer(['-config', config])
    call = client(server.address, '')
  })
  after(async () => {
    await server?.stop()
    temp.remove()
  })

  // sys/init parses its body before it looks at it, and ignores a field it does not know: the first body under every
  // limit initialises the server, the others are refused as coming too late, none for a limit.
  const init = (body: string) => call('PUT', 'sys/init', { body })

  it('answers each limit at once with 400, one past the configured value', async () => {
    const cases: [string, RegExp][] = [
      ['{"a":"0123456789abcdefX"}', /^JSON string value exceeds allowed length: .* longer than 16 bytes/],
      ['{"a":"\\"\\"\\"\\"\\"\\"\\"\\"\\""}', /longer than 16 bytes/],
      ['{"a":1,"b":2,"c":3,"d":4}', /^JSON object exceeds allowed entry count: .* more than 3 entries/],
      ['{"a":[1,2,3]}', /^JSON array exceeds allowed element count: .* more than 2 elements/],
      ['{"a":[[[[1]]]]}', /^request body nests deeper than 4 levels$/],
    ]
    for (const [body, message] of cases) {
      const reply = await init(body)
      assert.equal(reply.status, 400, body)
      assert.match(reply.body.errors[0], message, body)
    }
  })

  it('takes bodies at every configured limit', async () => {
    const first = await init('{"secret_shares":1,"secret_threshold":1,"x":["0123456789abcdef",[[null]]]}')
    assert.equal(first.status, 200, JSON.stringify(first.body))
    for (const body of [
      '{"a":"0123456789abcdef","b":2,"c":3}',
      '{"a":"\\"\\"\\"\\"\\"\\"\\"\\"","b":[1,2]}',
      '{"a":[[[1,2]]],"b":"[[[[[,,,,,]]]]]"}',
      '{"\\u005b\\u005b":{},"b":[{},[]]}',
    ]) {
      const reply = await init(body)
      assert.deepEqual(reply.body, { errors: ['Vault is already initialized'] }, body)
    }
  })
})
