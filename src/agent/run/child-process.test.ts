// Starting the child: a value the environment cannot hold stops the start with a message naming the variable only.
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { ChildStartError, startChild } from './child-process.ts'
import { SecretMasker } from './mask-stream.ts'

const SECRET = 'hunter2-secret-value'

test('a NUL byte in a value refuses the start, naming the variable and never the value', async () => {
  const error = await startChild({
    command: process.execPath,
    args: ['-e', ''],
    env: { PATH: process.env['PATH'], DB_PASSWORD: `${SECRET}\0tail` },
    stdout: new PassThrough(),
    stderr: new PassThrough(),
  }).then(
    () => assert.fail('the child must not start'),
    (caught: unknown) => caught,
  )
  assert.ok(error instanceof ChildStartError, `a ChildStartError, not ${String(error)}`)
  assert.match(error.message, /DB_PASSWORD contains a NUL byte/)
  assert.doesNotMatch(error.message, /hunter2/)
})

test('values without NUL bytes reach the child unchanged, newlines included', async () => {
  const out = new PassThrough()
  let text = ''
  out.on('data', (chunk: Buffer) => (text += chunk.toString()))
  const child = await startChild({
    command: process.execPath,
    args: ['-e', 'process.stdout.write(JSON.stringify(process.env.V))'],
    env: { PATH: process.env['PATH'], V: 'a\nB=c' },
    // A masker with nothing to mask: the output is piped, so it can be read here.
    masker: new SecretMasker([]),
    stdout: out,
    stderr: new PassThrough(),
  })
  assert.equal(await child.exited, 0)
  assert.equal(text, JSON.stringify('a\nB=c'))
})
