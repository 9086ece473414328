// `coffer audit ...` against a scripted server: request shapes, argument checks, output formats and exit codes.
import assert from 'node:assert/strict'
import { generateKeyPairSync, sign } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { CHECKPOINT_TYPE, checkpointSignedText, GENESIS_HASH, lineHash } from '../lib/audit-chain/format.ts'
import { parseHead, parseStart } from './commands/audit/verify.ts'
import { UsageError } from './flags.ts'
import { fakeServer, type Handler, run } from './test-io.ts'

let handler: Handler = () => ({ status: 404, body: { errors: [] } })
let server: Awaited<ReturnType<typeof fakeServer>>
let dir: string
const env = () => ({ VAULT_ADDR: server.address, VAULT_TOKEN: 'env-token-secret' })
const cli = (args: string[]) => run(args, { env: env(), homeDir: dir })

before(async () => {
  server = await fakeServer((req) => handler(req))
  dir = mkdtempSync(join(tmpdir(), 'coffer-audit-cli-'))
})
after(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

function reset(h: Handler): void {
  server.seen.length = 0
  handler = h
}

const keys = generateKeyPairSync('ed25519')
const PEM = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString()

/** A chained log of `n` entries and a closing checkpoint, written with the format rules alone. */
function chainedLog(n: number): { lines: string[]; head: string } {
  const lines: string[] = []
  let prev = GENESIS_HASH
  const push = (line: string) => {
    lines.push(line)
    prev = lineHash(line)
  }
  for (let seq = 1; seq <= n; seq++) {
    const entry = {
      time: `2024-05-01T10:00:${String(seq).padStart(2, '0')}.000000000Z`,
      type: seq % 2 ? 'request' : 'response',
      auth: { display_name: 'token-ana', accessor: 'hmac-sha256:acc' },
      request: { operation: 'read', path: `secret/data/app${seq}`, remote_address: '127.0.0.1' },
      ...(seq % 2 ? {} : { response: { data: { password: `hmac-sha256:value${seq}` } } }),
      ...(seq === 3 ? { error: 'permission denied' } : {}),
    }
    push(`${JSON.stringify(entry).slice(0, -1)},"seq":${seq},"prev_hash":"${prev}"}`)
  }
  const seq = n + 1
  const time = '2024-05-01T10:01:00Z'
  const signature = sign(null, Buffer.from(checkpointSignedText(seq, prev, time)), keys.privateKey)
  push(
    JSON.stringify({
      type: CHECKPOINT_TYPE,
      seq,
      prev_hash: prev,
      time,
      signature: signature.toString('base64'),
    }),
  )
  return { lines, head: `${seq}:${prev}` }
}

function writeLog(name: string, lines: string[]): string {
  const path = join(dir, name)
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

describe('audit enable, disable and list', () => {
  test('enable sends type, description, local and trailing key=value options to sys/audit/<path>', async () => {
    reset(() => ({ status: 204 }))
    const res = await cli([
      'audit',
      'enable',
      '-description=main log',
      '-local',
      'file',
      'file_path=/var/log/a.log',
      'mode=0640',
    ])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, 'Success! Enabled the file audit device at: file/\n')
    const [req] = server.seen
    assert.equal(req?.method, 'PUT')
    assert.equal(req?.path, 'sys/audit/file')
    assert.deepEqual(req?.body, {
      type: 'file',
      description: 'main log',
      options: { file_path: '/var/log/a.log', mode: '0640' },
      local: true,
    })
  })

  test('-path picks the device path; a bad option pair is a usage error sent nowhere', async () => {
    reset(() => ({ status: 204 }))
    const res = await cli(['audit', 'enable', '-path=/net/', 'socket', 'address=127.0.0.1:9'])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(server.seen[0]?.path, 'sys/audit/net')
    assert.match(res.stdout, /socket audit device at: net\//)
    server.seen.length = 0
    const bad = await cli(['audit', 'enable', 'file', 'file_path'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /expected key=value/)
    assert.equal(server.seen.length, 0)
    assert.equal((await cli(['audit', 'enable'])).code, 1, 'TYPE is required')
  })

  test('a refused enable exits 2 with the server’s error', async () => {
    reset(() => ({ status: 400, body: { errors: ['unknown audit device type "syslog"'] } }))
    const res = await cli(['audit', 'enable', 'syslog'])
    assert.equal(res.code, 2)
    assert.match(res.stderr, /Error enabling audit device: [\s\S]*syslog/)
  })

  test('disable deletes sys/audit/<path>', async () => {
    reset(() => ({ status: 204 }))
    const res = await cli(['audit', 'disable', 'file/'])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(server.seen[0]?.method, 'DELETE')
    assert.equal(server.seen[0]?.path, 'sys/audit/file')
    assert.equal((await cli(['audit', 'disable'])).code, 1)
    assert.equal((await cli(['audit', 'disable', 'a', 'b'])).code, 1)
  })

  const table = {
    'file/': {
      type: 'file',
      description: '',
      options: { file_path: '/tmp/a.log' },
      local: false,
      path: 'file/',
    },
    'net/': { type: 'socket', description: 'siem', options: { address: 'x:1' }, local: true, path: 'net/' },
  }

  test('list prints Vault’s table; -detailed adds replication and options; -format=json the devices', async () => {
    reset(() => ({ status: 200, body: { ...table, data: table } }))
    const plain = await cli(['audit', 'list'])
    assert.equal(plain.code, 0, plain.stderr)
    assert.deepEqual(plain.stdout.split('\n').slice(0, 4), [
      'Path     Type      Description',
      '----     ----      -----------',
      'file/    file      n/a',
      'net/     socket    siem',
    ])
    const detailed = await cli(['audit', 'list', '-detailed'])
    assert.match(detailed.stdout, /Path\s+Type\s+Description\s+Replication\s+Options/)
    assert.match(detailed.stdout, /file\/\s+file\s+n\/a\s+replicated\s+map\[file_path:\/tmp\/a\.log\]/)
    assert.match(detailed.stdout, /net\/\s+socket\s+siem\s+local\s+map\[address:x:1\]/)
    const json = await cli(['audit', 'list', '-format=json'])
    assert.deepEqual(JSON.parse(json.stdout), table)
  })

  test('list with no devices says so and exits 2, as Vault does', async () => {
    reset(() => ({ status: 200, body: { data: {} } }))
    const res = await cli(['audit', 'list'])
    assert.equal(res.code, 2)
    assert.equal(res.stdout, 'No audit devices are enabled.\n')
  })
})

describe('audit verify', () => {
  test('-head and -start parse SEQ[:HASH] and refuse anything else', () => {
    const hash = 'a'.repeat(64)
    assert.deepEqual(parseHead('12'), { seq: 12 })
    assert.deepEqual(parseHead(`12:${hash}`), { seq: 12, hash })
    assert.deepEqual(parseStart(`3:${hash}`), { seq: 3, prevHash: hash })
    for (const bad of ['', 'x', '-1', '1.5', `1:${hash}:x`, '1:abc', `1:${'A'.repeat(64)}`])
      assert.throws(() => parseHead(bad), UsageError, bad)
    assert.throws(() => parseStart('3'), UsageError)
  })

  test('with -public-key it needs no server: OK and counts, exit 0', async () => {
    reset(() => ({ status: 500, body: { errors: ['should not be called'] } }))
    const { lines } = chainedLog(6)
    const file = writeLog('good.log', lines)
    const pem = join(dir, 'key.pem')
    writeFileSync(pem, PEM)
    const res = await cli(['audit', 'verify', `-public-key=${pem}`, file])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(
      res.stdout,
      `OK: ${file}: 6 entries, 1 valid checkpoint (last at seq 7), no entries after the last checkpoint\n`,
    )
    assert.equal(server.seen.length, 0)
  })

  test('without -public-key it reads sys/audit-signing-key; a tampered log exits 2 naming the line', async () => {
    reset((req) =>
      req.path === 'sys/audit-signing-key'
        ? { status: 200, body: { data: { public_key: PEM, algorithm: 'ed25519' } } }
        : { status: 404, body: { errors: [] } },
    )
    const { lines } = chainedLog(6)
    lines[2] = lines[2]!.replace('app3', 'app9')
    const file = writeLog('edited.log', lines)
    const res = await cli(['audit', 'verify', file])
    assert.equal(res.code, 2)
    assert.match(res.stdout, new RegExp(`^TAMPERED: ${file} line 3: altered: `))
    assert.match(res.stdout, /Line\s+Problem\s+Detail/)
    assert.equal(server.seen[0]?.path, 'sys/audit-signing-key')
    assert.equal(server.seen[0]?.headers['x-vault-token'], 'env-token-secret')
    const json = await cli(['audit', 'verify', '-format=json', file])
    assert.equal(json.code, 2)
    const result = JSON.parse(json.stdout)
    assert.equal(result.ok, false)
    assert.deepEqual(result.problems[0], {
      line: 3,
      kind: 'altered',
      detail: result.problems[0].detail,
    })
    assert.equal(result.entries, 6)
  })

  test('reads the log as bytes: a stray byte that decodes like a logged U+FFFD is tampering', async () => {
    reset(() => ({ status: 200, body: { data: { public_key: PEM } } }))
    const first = `{"type":"request","request":{"path":"caf\uFFFD"},"seq":1,"prev_hash":"${GENESIS_HASH}"}`
    const lines = [first, `{"type":"response","seq":2,"prev_hash":"${lineHash(first)}"}`]
    const original = Buffer.from(`${lines.join('\n')}\n`)
    assert.equal((await cli(['audit', 'verify', writeLog('replacement.log', lines)])).code, 0)
    // Decoded as text, the byte 0xff reads back as U+FFFD: the same line text, the same hash.
    const at = original.indexOf(Buffer.from('\uFFFD'))
    const forged = Buffer.concat([original.subarray(0, at), Buffer.from([0xff]), original.subarray(at + 3)])
    const path = join(dir, 'stray-byte.log')
    writeFileSync(path, forged)
    const res = await cli(['audit', 'verify', path])
    assert.equal(res.code, 2, res.stdout)
    assert.match(res.stdout, new RegExp(`^TAMPERED: ${path} line 1: malformed: not valid UTF-8`))
  })

  test('-head catches lines cut after the last checkpoint; -start verifies a rotated continuation', async () => {
    reset(() => ({ status: 200, body: { data: { public_key: PEM } } }))
    const { lines, head } = chainedLog(6)
    const extra = `{"type":"request","seq":8,"prev_hash":"${lineHash(lines.at(-1)!)}"}`
    const full = [...lines, extra]
    const writerHead = `8:${lineHash(extra)}`
    const cut = writeLog('cut.log', lines)
    const res = await cli(['audit', 'verify', `-head=${writerHead}`, cut])
    assert.equal(res.code, 2)
    assert.match(res.stdout, /line 8: truncated-after-checkpoint/)
    assert.equal((await cli(['audit', 'verify', cut])).code, 0, 'undetectable without -head')
    const whole = writeLog('whole.log', full)
    assert.equal((await cli(['audit', 'verify', `-head=${writerHead}`, whole])).code, 0)
    const rotated = writeLog('rotated.log', [extra])
    const alone = await cli(['audit', 'verify', rotated])
    assert.equal(alone.code, 2, 'a continuation alone looks like removed lines')
    const continued = await cli(['audit', 'verify', `-start=${head}`, rotated])
    assert.equal(continued.code, 0, continued.stdout)
  })

  test('could-not-verify cases exit 1, never 2', async () => {
    reset(() => ({ status: 403, body: { errors: ['permission denied'] } }))
    const file = writeLog('k.log', chainedLog(2).lines)
    const denied = await cli(['audit', 'verify', file])
    assert.equal(denied.code, 1)
    assert.match(
      denied.stderr,
      /Error fetching the audit signing key from the server: [\s\S]*permission denied/,
    )
    const missing = await cli(['audit', 'verify', join(dir, 'nope.log')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /Error reading audit log .*ENOENT/)
    const notPem = join(dir, 'bad.pem')
    writeFileSync(notPem, 'not a key')
    const badKey = await cli(['audit', 'verify', `-public-key=${notPem}`, file])
    assert.equal(badKey.code, 1)
    assert.match(badKey.stderr, /not a PEM public key/)
    assert.equal((await cli(['audit', 'verify', '-head=x', file])).code, 1)
  })
})

describe('audit search', () => {
  test('filters the file and prints the compact table; no match exits 1', async () => {
    reset(() => ({ status: 500, body: { errors: ['no server needed'] } }))
    const file = writeLog('s.log', chainedLog(6).lines)
    const res = await cli(['audit', 'search', '-path-prefix=secret/data/app4', file])
    assert.equal(res.code, 0, res.stderr)
    const lines = res.stdout.trimEnd().split('\n')
    assert.match(lines[0]!, /^Time\s+Type\s+Operation\s+Path\s+Display Name\s+Remote Address\s+Error$/)
    assert.equal(lines.length, 3)
    assert.match(
      lines[2]!,
      /^2024-05-01T10:00:04\.000Z\s+response\s+read\s+secret\/data\/app4\s+token-ana\s+127\.0\.0\.1$/,
    )
    const denied = await cli(['audit', 'search', '-denied', file])
    assert.match(denied.stdout, /secret\/data\/app3\s+token-ana\s+127\.0\.0\.1\s+permission denied/)
    const none = await cli(['audit', 'search', '-operation=delete', file])
    assert.equal(none.code, 1)
    assert.equal(none.stdout, '')
    assert.match(none.stderr, /No matching audit entries/)
    assert.equal(server.seen.length, 0)
  })

  test('-format=json prints the matching log lines as they are', async () => {
    const { lines } = chainedLog(6)
    const file = writeLog('j.log', lines)
    const res = await cli(['audit', 'search', '-format=json', '-type=response', file])
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(res.stdout.trimEnd().split('\n'), [lines[1], lines[3], lines[5]])
  })

  test('-value hashes through sys/audit-hash/<device> and finds the entries holding the hash', async () => {
    reset((req) => ({ status: 200, body: { data: { hash: 'hmac-sha256:value4' }, seen: req.path } }))
    const file = writeLog('v.log', chainedLog(6).lines)
    const res = await cli(['audit', 'search', '-value=hunter2', '-device=file/', '-format=json', file])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(server.seen.length, 1)
    assert.equal(server.seen[0]?.method, 'PUT')
    assert.equal(server.seen[0]?.path, 'sys/audit-hash/file')
    assert.deepEqual(server.seen[0]?.body, { input: 'hunter2' })
    assert.equal(JSON.parse(res.stdout).request.path, 'secret/data/app4')
    assert.ok(
      !res.stdout.includes('hunter2') && !res.stderr.includes('hunter2'),
      'the value is never printed',
    )
  })

  test('an accessor in clear is hashed when -device is given, and used as is otherwise', async () => {
    reset(() => ({ status: 200, body: { data: { hash: 'hmac-sha256:acc' } } }))
    const file = writeLog('a.log', chainedLog(2).lines)
    const hashed = await cli(['audit', 'search', '-accessor=plain', '-device=file', file])
    assert.equal(hashed.code, 0, hashed.stderr)
    assert.deepEqual(server.seen[0]?.body, { input: 'plain' })
    server.seen.length = 0
    const plain = await cli(['audit', 'search', '-accessor=plain', file])
    assert.equal(plain.code, 1)
    assert.match(plain.stderr, /add -device=PATH/)
    assert.equal((await cli(['audit', 'search', '-accessor=hmac-sha256:acc', file])).code, 0)
    assert.equal(server.seen.length, 0)
  })

  test('argument errors exit 1 before any request', async () => {
    reset(() => ({ status: 200, body: { data: { hash: 'hmac-sha256:x' } } }))
    const file = writeLog('e.log', chainedLog(2).lines)
    const cases: [string[], RegExp][] = [
      [['-value=hunter2', file], /-value needs -device/],
      [['-type=both', file], /invalid -type/],
      [['-since=yesterday', file], /invalid time/],
      [['-since=2024-05-02T00:00:00Z', '-until=2024-05-01T00:00:00Z', file], /later than -until/],
      [['-value=x', '-device=file', join(dir, 'missing.log')], /Error reading audit log .*ENOENT/],
      [[], /not enough arguments/],
    ]
    for (const [args, message] of cases) {
      const res = await cli(['audit', 'search', ...args])
      assert.equal(res.code, 1, args.join(' '))
      assert.match(res.stderr, message)
    }
    assert.equal(server.seen.length, 0)
  })

  test('a failed hash request exits 2; malformed lines are skipped with a warning', async () => {
    reset(() => ({ status: 400, body: { errors: ['unknown audit device "nope"'] } }))
    const file = writeLog('m.log', ['not json', ...chainedLog(2).lines, '[1]'])
    const failed = await cli(['audit', 'search', '-value=x', '-device=nope', file])
    assert.equal(failed.code, 2)
    assert.match(failed.stderr, /Error hashing with audit device nope: [\s\S]*unknown audit device/)
    const skipped = await cli(['audit', 'search', file])
    assert.equal(skipped.code, 0)
    assert.match(skipped.stderr, /2 line\(s\) were not JSON objects/)
    assert.equal(
      skipped.stdout.trimEnd().split('\n').length,
      4,
      'header, rule and 2 entries; checkpoint skipped',
    )
  })
})
