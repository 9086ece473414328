// Tests for the HCL subset parser: syntax forms, values, and located error messages.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HclSyntaxError, parseHcl } from './hcl.ts'

function syntaxError(text: string): HclSyntaxError {
  try {
    parseHcl(text)
  } catch (error) {
    assert.ok(error instanceof HclSyntaxError, `expected HclSyntaxError, got ${String(error)}`)
    return error
  }
  assert.fail('expected a syntax error')
}

describe('parseHcl', () => {
  it('parses a Vault policy with labelled blocks', () => {
    const body = parseHcl(`
# read-only access
path "secret/data/*" {
  capabilities = ["read", "list"]
}
path "sys/mounts" { capabilities = ["read"] }
`)
    assert.deepEqual(body.attributes, {})
    assert.equal(body.blocks.length, 2)
    assert.deepEqual(body.blocks[0], {
      type: 'path',
      labels: ['secret/data/*'],
      body: { attributes: { capabilities: ['read', 'list'] }, blocks: [] },
      line: 3,
    })
    assert.equal(body.blocks[1]?.line, 6)
  })

  it('accepts all three comment styles', () => {
    const body = parseHcl(`
// line comment
a = 1 # trailing
/* block
   comment */ b = 2
c = /* inline */ 3`)
    assert.deepEqual(body.attributes, { a: 1, b: 2, c: 3 })
  })

  it('accepts key: value and quoted keys', () => {
    assert.deepEqual(parseHcl(`"api_addr" = "http://x:8200"\nui: true`).attributes, {
      api_addr: 'http://x:8200',
      ui: true,
    })
  })

  it('parses unlabelled and multi-labelled blocks', () => {
    const body = parseHcl(`telemetry { x = 1 }\nresource "a" "b" { }\nlistener tcp { }`)
    assert.deepEqual(
      body.blocks.map((b) => [b.type, b.labels]),
      [
        ['telemetry', []],
        ['resource', ['a', 'b']],
        ['listener', ['tcp']],
      ],
    )
  })

  it('decodes string escapes', () => {
    const body = parseHcl(String.raw`s = "a\"b\\c\nd\te\u00e9\U0001F600/"`)
    assert.equal(body.attributes['s'], 'a"b\\c\nd\teé😀/')
  })

  it('parses numbers, booleans, negative and hex values', () => {
    assert.deepEqual(parseHcl('a = 42\nb = -3.5\nc = 1e3\nd = 0x1F\ne = true\nf = false').attributes, {
      a: 42,
      b: -3.5,
      c: 1000,
      d: 31,
      e: true,
      f: false,
    })
  })

  it('reads a leading zero as octal, as HCL1 does for file modes', () => {
    assert.deepEqual(parseHcl('mode = 0640\nzero = 0\nplain = 640\nfloat = 0.5\nneg = -010').attributes, {
      mode: 0o640,
      zero: 0,
      plain: 640,
      float: 0.5,
      neg: -8,
    })
  })

  it('parses lists with newlines and trailing commas, and nested lists', () => {
    const body = parseHcl(`l = [\n  "a",\n  "b",\n]\nm = [[1, 2], []]\nn = []`)
    assert.deepEqual(body.attributes, { l: ['a', 'b'], m: [[1, 2], []], n: [] })
  })

  it('parses objects with = and :, commas or newlines, and nested objects', () => {
    const body = parseHcl(`allowed_parameters = {
  "foo" = ["bar", "baz"]
  qux: []
  nested = { deep = true, "x" = 1, }
  block { y = 2 }
}`)
    assert.deepEqual(body.attributes['allowed_parameters'], {
      foo: ['bar', 'baz'],
      qux: [],
      nested: { deep: true, x: 1 },
      block: { y: 2 },
    })
  })

  it('allows commas between body items and several items on one line', () => {
    const body = parseHcl(`listener "tcp" { address = "127.0.0.1:8200", tls_disable = true } ui = true`)
    assert.deepEqual(body.blocks[0]?.body.attributes, { address: '127.0.0.1:8200', tls_disable: true })
    assert.equal(body.attributes['ui'], true)
  })

  it('reads heredocs verbatim, with a trailing newline per line', () => {
    const body = parseHcl('policy = <<EOF\npath "a" {\n  capabilities = ["read"]\n}\nEOF\nafter = 1')
    assert.equal(body.attributes['policy'], 'path "a" {\n  capabilities = ["read"]\n}\n')
    assert.equal(body.attributes['after'], 1)
  })

  it('strips the common indentation from <<- heredocs', () => {
    const body = parseHcl('x = <<-EOT\n    one\n      two\n\n    three\n    EOT\n')
    assert.equal(body.attributes['x'], 'one\n  two\n\nthree\n')
  })

  it('handles CRLF line endings and a byte-order mark', () => {
    const body = parseHcl('\ufeffa = 1\r\nb = <<EOF\r\nx\r\nEOF\r\n')
    assert.deepEqual(body.attributes, { a: 1, b: 'x\n' })
  })

  it('keeps a "__proto__" key as plain data', () => {
    const body = parseHcl('o = { "__proto__" = { polluted = true } }')
    const o = body.attributes['o'] as Record<string, unknown>
    assert.ok(Object.hasOwn(o, '__proto__'))
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
  })

  it('returns an empty body for empty or comment-only input', () => {
    assert.deepEqual(parseHcl(''), { attributes: {}, blocks: [] })
    assert.deepEqual(parseHcl('# nothing\n/* here */'), { attributes: {}, blocks: [] })
  })
})

describe('parseHcl errors', () => {
  it('names line, column and the missing "="', () => {
    const error = syntaxError('path "a" {\n  # x\n  capabilities ["read"]\n}')
    assert.equal(error.message, `line 3, column 16: expected '=' after "capabilities"`)
    assert.equal(error.line, 3)
    assert.equal(error.column, 16)
  })

  const cases: [string, string, RegExp][] = [
    ['unterminated string', 'a = "abc', /^line 1, column 5: unterminated string/],
    ['newline in string', 'a = "ab\nc"', /unterminated string/],
    [
      'unclosed block',
      'path "a" {\n capabilities = []',
      /^line 2, column \d+: expected '\}' to close the block/,
    ],
    ['unclosed list', 'a = [1, 2', /expected ',' or '\]' in list, found end of input/],
    ['missing list comma', 'a = [1 2]', /expected ',' or '\]'/],
    ['bad escape', 'a = "\\q"', /invalid escape sequence \\q/],
    ['unterminated comment', 'a = 1\n/* never closed', /^line 2, column 1: unterminated \/\* comment/],
    ['unterminated heredoc', 'a = <<EOF\nbody\n', /unterminated heredoc: no closing EOF line/],
    ['heredoc without newline', 'a = <<EOF x', /expected a newline after <<EOF/],
    ['bare identifier value', 'a = nope', /expected a value .* found "nope"/],
    ['stray character', 'a = 1\n@', /^line 2, column 1: unexpected character "@"/],
    ['duplicate attribute', 'a = 1\na = 2', /^line 2, column 1: duplicate attribute "a"/],
    ['duplicate object key', 'a = { k = 1, k = 2 }', /duplicate key "k" in object/],
    ['block label then =', 'path "a" = 1', /expected '\{' to open the "path" block, found '='/],
    ['label then junk', 'path "a" [', /expected '\{' to open the "path" block/],
    ['value missing', 'a =', /expected a value, found end of input/],
    ['malformed number', 'a = 12abc', /malformed number/],
    ['number as key', '1 = 2', /expected an attribute name or block type/],
  ]
  for (const [name, input, pattern] of cases) {
    it(`reports ${name}`, () => {
      assert.match(syntaxError(input).message, pattern)
    })
  }

  it('never echoes long input back', () => {
    const secret = 'x'.repeat(500)
    const error = syntaxError(`a = ${secret}`)
    assert.ok(error.message.length < 150, error.message)
  })

  it('refuses nesting past the limit with a located error instead of overflowing the stack', () => {
    const pairs: [string, string][] = [
      ['[', ']'],
      ['{ a = ', ' }'],
    ]
    for (const [open, close] of pairs) {
      const deep = `x = ${open.repeat(100_000)}1${close.repeat(100_000)}`
      assert.match(
        syntaxError(deep).message,
        /^line 1, column \d+: the document nests deeper than 500 levels$/,
      )
    }
    const blocks = `${'a {\n'.repeat(100_000)}${'}\n'.repeat(100_000)}`
    assert.match(
      syntaxError(blocks).message,
      /^line 501, column 3: the document nests deeper than 500 levels$/,
    )
  })

  it('accepts nesting up to the limit, and takes a smaller limit when given one', () => {
    const atLimit = `x = ${'['.repeat(500)}${']'.repeat(500)}`
    assert.doesNotThrow(() => parseHcl(atLimit))
    assert.doesNotThrow(() => parseHcl('a { b { c = [1] } }', 3))
    assert.match(
      (() => {
        try {
          parseHcl('a { b { c = [[1]] } }', 3)
        } catch (error) {
          return (error as Error).message
        }
        return ''
      })(),
      /nests deeper than 3 levels/,
    )
  })
})
