// Tests for dispatch, help, usage errors and exit codes (no server needed).
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { COMMANDS } from './commands/index.ts'
import { matchCommand } from './program.ts'
import { run } from './test-io.ts'

test('the longest command prefix wins', () => {
  assert.deepEqual(matchCommand(COMMANDS, ['kv', 'metadata', 'get', 'x'])?.spec.path, [
    'kv',
    'metadata',
    'get',
  ])
  assert.deepEqual(matchCommand(COMMANDS, ['kv', 'get', 'metadata'])?.spec.path, ['kv', 'get'])
  assert.equal(matchCommand(COMMANDS, ['kv']), undefined)
})

test('every command has a unique path and a summary', () => {
  const paths = COMMANDS.map((c) => c.path.join(' '))
  assert.equal(new Set(paths).size, paths.length)
  for (const c of COMMANDS) assert.ok(c.summary.length > 0, c.path.join(' '))
})

test('help, -h and no arguments', async () => {
  const help = await run(['help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /Usage: coffer <command>/)
  assert.match(help.stdout, /kv\s+Read and write/)
  assert.equal((await run(['-h'])).code, 0)
  const none = await run([])
  assert.equal(none.code, 1)
  assert.match(none.stderr, /Usage: coffer/)
})

test('version, -version, -v and --version print the version offline, as hvac reads it from `vault -version`', async () => {
  for (const argv of [['version'], ['-version'], ['-v'], ['--version']]) {
    const res = await run(argv, { env: { VAULT_ADDR: 'http://127.0.0.1:1' } })
    assert.equal(res.code, 0, argv.join(' '))
    assert.equal(res.stdout, 'Coffer v1.17.0+coffer.0.1.0\n', argv.join(' '))
    // hvac takes the second word, less its "v", as the Vault version it compares against.
    assert.equal(res.stdout.trim().split(/\s+/)[1]!.replace(/^v/, ''), '1.17.0+coffer.0.1.0')
  }
  assert.equal((await run(['version', 'extra'])).code, 1)
  assert.match((await run(['help'])).stdout, /version\s+Print the version/)
})

test('command help lists command, output and HTTP options', async () => {
  const res = await run(['kv', 'get', '-h'])
  assert.equal(res.code, 0)
  assert.match(res.stdout, /Usage: coffer kv get \[options\] KEY/)
  assert.match(res.stdout, /-mount=<string>/)
  assert.match(res.stdout, /-format=<string>/)
  assert.match(res.stdout, /-address=<string>/)
  assert.equal((await run(['help', 'token', 'create'])).stdout.includes('-policy=<list>'), true)
})

test('a group shows its subcommands; an unknown subcommand exits 1', async () => {
  const group = await run(['kv'])
  assert.equal(group.code, 1)
  assert.match(group.stderr, /metadata get/)
  const unknown = await run(['kv', 'frobnicate'])
  assert.equal(unknown.code, 1)
  assert.match(unknown.stderr, /Unknown subcommand: kv frobnicate/)
  assert.equal((await run(['help', 'kv', 'metadata'])).code, 0)
})

test('unknown commands (exit 127, as vault) and flags (exit 1) are errors naming the culprit', async () => {
  const cmd = await run(['frob'])
  assert.equal(cmd.code, 127)
  assert.match(cmd.stderr, /Unknown command: frob/)
  const flag = await run(['read', '-nope', 'secret/x'])
  assert.equal(flag.code, 1)
  assert.match(flag.stderr, /flag provided but not defined: -nope/)
  assert.match(flag.stderr, /coffer read -h/)
})

test('argument counts are checked before contacting the server', async () => {
  const res = await run(['policy', 'write', 'only-name'])
  assert.equal(res.code, 1)
  assert.match(res.stderr, /not enough arguments/)
  assert.equal((await run(['status', 'extra'])).code, 1)
})

test('an unreachable server is a remote error (exit 2), but status exits 1 as Vault (2 there means sealed)', async () => {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  const env = { VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_TOKEN: 't' }
  const read = await run(['read', 'secret/x'], { env })
  assert.equal(read.code, 2)
  const res = await run(['status'], { env })
  assert.equal(res.code, 1)
  assert.match(res.stderr, /Error checking seal status: GET http:\/\/127\.0\.0\.1:\d+\/v1\/sys\/seal-status/)
})

test('an invalid -format is a usage error', async () => {
  const res = await run(['status', '-format=xml'])
  assert.equal(res.code, 1)
  assert.match(res.stderr, /invalid output format/)
})
