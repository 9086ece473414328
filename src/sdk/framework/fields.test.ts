// Field coercion as Vault's framework does it (mapstructure's weak decoding): what each kind accepts and refuses.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../errors.ts'
import { f, parseFields } from './fields.ts'

/** The one field `name` of kind `field`, coerced from `raw`. */
const coerce = <T>(field: { parse(value: unknown, name: string): T }, raw: unknown) => field.parse(raw, 'x')

/** Asserts a 400 whose message names the field. */
const refuses = (fn: () => unknown, name: string, detail?: RegExp) =>
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidRequestError, `an InvalidRequestError, got ${error}`)
    assert.equal(error.status, 400)
    assert.ok(error.message.includes(`"${name}"`), `the message names ${name}: ${error.message}`)
    if (detail) assert.match(error.message, detail)
    return true
  })

describe('field coercion: durations (Vault TypeDurationSecond)', () => {
  it('takes seconds as a number or a numeric string, and Go-style unit strings', () => {
    const d = f.duration()
    assert.equal(coerce(d, 3600), 3600)
    assert.equal(coerce(d, '3600'), 3600)
    assert.equal(coerce(d, '1h'), 3600)
    assert.equal(coerce(d, '1h30m'), 5400)
    assert.equal(coerce(d, '1.5h'), 5400)
    assert.equal(coerce(d, '90s'), 90)
    assert.equal(coerce(d, '7d'), 604800)
    assert.equal(coerce(d, ''), 0, 'an empty string is zero, which Vault reads as "use the default"')
  })

  it('refuses garbage and negatives with a 400 naming the field', () => {
    const d = f.duration()
    refuses(() => d.parse('soon', 'token_ttl'), 'token_ttl', /cannot parse "soon" as a duration/)
    refuses(() => d.parse(-5, 'token_ttl'), 'token_ttl', /non-negative/)
    refuses(() => d.parse(true, 'token_ttl'), 'token_ttl')
    refuses(() => d.parse('1h-', 'ttl'), 'ttl')
  })
})

describe('field coercion: booleans (Vault TypeBool)', () => {
  it('takes true/false, their strings, and 1/0 as numbers or strings', () => {
    const b = f.bool()
    for (const raw of [true, 'true', 1, '1']) assert.equal(coerce(b, raw), true, JSON.stringify(raw))
    for (const raw of [false, 'false', 0, '0', '']) assert.equal(coerce(b, raw), false, JSON.stringify(raw))
  })

  it("takes every spelling Go's strconv.ParseBool takes, as WeakDecode does", () => {
    const b = f.bool()
    for (const raw of ['t', 'T', 'TRUE', 'True']) assert.equal(coerce(b, raw), true, JSON.stringify(raw))
    for (const raw of ['f', 'F', 'FALSE', 'False']) assert.equal(coerce(b, raw), false, JSON.stringify(raw))
  })

  it('refuses numbers other than 1 and 0: a JSON number reaches Vault as text, which ParseBool reads', () => {
    for (const raw of [2, -1, 0.5])
      refuses(() => f.bool().parse(raw, 'disable'), 'disable', /expected a boolean/)
  })

  it('refuses anything else naming the field, rather than guessing', () => {
    const b = f.bool()
    refuses(() => b.parse('tRuE', 'disable'), 'disable', /expected a boolean/)
    refuses(() => b.parse('yes', 'disable'), 'disable', /expected a boolean/)
    refuses(() => b.parse({}, 'disable'), 'disable')
    refuses(() => b.parse([true], 'disable'), 'disable')
  })
})

describe('field coercion: integers (Vault TypeInt)', () => {
  it('takes integers and integer strings', () => {
    const i = f.int()
    assert.equal(coerce(i, 42), 42)
    assert.equal(coerce(i, '42'), 42)
    assert.equal(coerce(i, '-3'), -3)
    assert.equal(coerce(i, 0), 0)
  })

  it('refuses fractions, words and blanks naming the field', () => {
    const i = f.int()
    refuses(() => i.parse(1.5, 'num_uses'), 'num_uses', /expected an integer/)
    refuses(() => i.parse('1.5', 'num_uses'), 'num_uses')
    refuses(() => i.parse('ten', 'num_uses'), 'num_uses')
    refuses(() => i.parse('  ', 'num_uses'), 'num_uses')
    refuses(() => i.parse(' 5', 'num_uses'), 'num_uses', /expected an integer/)
  })

  it('reads strings as Go strconv.ParseInt base 0 does, "" as 0 and booleans as 1/0 (WeakDecode)', () => {
    const i = f.int()
    assert.equal(coerce(i, '0x1F'), 31)
    assert.equal(coerce(i, '010'), 8, 'a leading zero is octal in Go')
    assert.equal(coerce(i, '1_000'), 1000)
    assert.equal(coerce(i, ''), 0)
    assert.equal(coerce(i, true), 1)
    assert.equal(coerce(i, false), 0)
  })

  it('refuses integers too large to hold exactly, rather than keeping a rounded value', () => {
    const i = f.int()
    assert.equal(coerce(i, Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER)
    assert.equal(coerce(i, -Number.MAX_SAFE_INTEGER), -Number.MAX_SAFE_INTEGER)
    refuses(
      () => i.parse(2e64, 'max_versions'),
      'max_versions',
      /must be between -9007199254740991 and 9007199254740991/,
    )
    refuses(() => i.parse(2 ** 53, 'max_versions'), 'max_versions', /must be between/)
    refuses(() => i.parse('18446744073709551616', 'max_versions'), 'max_versions', /must be between/)
    refuses(() => i.parse(1e308, 'max_versions'), 'max_versions', /must be between/)
    refuses(() => i.parse(Number.POSITIVE_INFINITY, 'max_versions'), 'max_versions', /expected an integer/)
  })
})

describe('field coercion: strings (Vault TypeString)', () => {
  it('takes strings as they are, numbers as their text, and booleans as "1"/"0" as WeakDecode writes them', () => {
    const s = f.string()
    assert.equal(coerce(s, 'abc'), 'abc')
    assert.equal(coerce(s, ''), '')
    assert.equal(coerce(s, 12), '12')
    assert.equal(coerce(s, false), '0')
    assert.equal(coerce(s, true), '1')
  })

  it('refuses objects and arrays naming the field', () => {
    refuses(() => f.string().parse({ a: 1 }, 'name'), 'name', /expected a string/)
    refuses(() => f.string().parse(['a'], 'name'), 'name')
  })
})

describe('field coercion: lists (Vault TypeCommaStringSlice)', () => {
  it('takes a comma-separated string or a JSON array; items are trimmed and blanks dropped', () => {
    const l = f.list()
    assert.deepEqual(coerce(l, 'a,b'), ['a', 'b'])
    assert.deepEqual(coerce(l, ['a', 'b']), ['a', 'b'])
    assert.deepEqual(coerce(l, ' a , b ,,'), ['a', 'b'])
    assert.deepEqual(coerce(l, 'single'), ['single'])
    assert.deepEqual(coerce(l, ''), [])
    assert.deepEqual(coerce(l, [1, true, ' c ']), ['1', '1', 'c'], 'scalar items become strings')
    assert.deepEqual(coerce(l, 5), ['5'], 'a single scalar becomes a list of one')
  })

  it('refuses an object and a non-scalar item, naming the field', () => {
    refuses(() => f.list().parse({ a: 'b' }, 'policies'), 'policies', /list of strings/)
    refuses(() => f.list().parse([{ a: 'b' }], 'policies'), 'policies')
  })
})

describe('field coercion: maps (Vault TypeMap and TypeKVPairs)', () => {
  it('a map takes an object or a JSON object in a string (the CLI sends key=value bodies as strings)', () => {
    assert.deepEqual(coerce(f.map(), { a: 1, b: { c: true } }), { a: 1, b: { c: true } })
    assert.deepEqual(coerce(f.map(), ' {"a": 1}'), { a: 1 })
  })

  it('a map refuses arrays, other strings, broken JSON and null-like values naming the field', () => {
    refuses(() => f.map().parse(['a'], 'options'), 'options', /expected an object/)
    refuses(() => f.map().parse('a=b', 'options'), 'options')
    refuses(() => f.map().parse('{"a":', 'options'), 'options', /expected a JSON object/)
    refuses(() => f.map().parse(3, 'options'), 'options')
  })

  it('a string map turns scalar values into strings and names the offending key', () => {
    const m = f.stringMap()
    assert.deepEqual(coerce(m, { team: 'a', n: 2, on: true }), { team: 'a', n: '2', on: '1' })
    assert.deepEqual(coerce(m, '{"team":"a"}'), { team: 'a' })
    refuses(() => m.parse({ nested: { x: 1 } }, 'metadata'), 'metadata.nested')
  })

  // Vault's TypeKVPairs: what `vault write identity/entity metadata=team=eng metadata=site=eu` sends.
  it('key-value pairs come as a map or as "key=value" strings, split at the first "="', () => {
    const kv = f.kvPairs()
    assert.deepEqual(coerce(kv, { team: 'eng', n: 2 }), { team: 'eng', n: '2' })
    assert.deepEqual(coerce(kv, '{"team":"eng"}'), { team: 'eng' })
    assert.deepEqual(coerce(kv, ['team=eng', 'url=a=b', 'empty=']), { team: 'eng', url: 'a=b', empty: '' })
    assert.deepEqual(coerce(kv, 'team=eng'), { team: 'eng' })
    assert.deepEqual(coerce(kv, []), {})
    assert.deepEqual(Object.keys(coerce(kv, ['__proto__=x'])), ['__proto__'])
    refuses(() => kv.parse(['team'], 'metadata'), 'metadata', /item 1 is not a key=value pair/)
    refuses(
      () => kv.parse(['a=b', '=s3cr3t'], 'metadata'),
      'metadata',
      /^(?!.*s3cr3t).*item 2 is not a key=value pair/,
    )
    assert.deepEqual(coerce(kv, [{ a: 1 }, { b: 'c' }]), { a: '1', b: 'c' }, 'a list of maps is merged')
    refuses(() => kv.parse(['a=b', { a: 1 }], 'metadata'), 'metadata', /item 2 is not a key=value pair/)
    refuses(() => kv.parse(3, 'metadata'), 'metadata')
    refuses(() => kv.parse('', 'metadata'), 'metadata', /item 1 is not a key=value pair/)
  })

  it('a string map keeps keys named like Object.prototype members as its own entries', () => {
    const parsed = coerce(f.stringMap(), JSON.parse('{"__proto__":"x","constructor":"y","team":"a"}'))
    assert.deepEqual(Object.keys(parsed), ['__proto__', 'constructor', 'team'])
    assert.equal(JSON.stringify(parsed), '{"__proto__":"x","constructor":"y","team":"a"}')
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype)
  })
})

describe('parseFields', () => {
  const fields = {
    name: f.string({ required: true }),
    ttl: f.duration({ default: 60 }),
    enabled: f.bool(),
    password: f.string({ sensitive: true, description: 'The password.' }),
  }

  it('coerces every declared field, fills defaults, and reports undeclared names', () => {
    const { values, unknown } = parseFields(fields, { name: 'n', ttl: '2m', enabled: 'true', extra: 1 })
    assert.deepEqual(values, { name: 'n', ttl: 120, enabled: true, password: undefined })
    assert.deepEqual(unknown, ['extra'])
  })

  it('treats null as absent, as Vault’s JSON decoding does, so the default applies', () => {
    const { values } = parseFields(fields, { name: 'n', ttl: null })
    assert.equal(values.ttl, 60)
    assert.equal(values.enabled, undefined, 'no default means undefined, not false')
  })

  it('a field declaring a nullValue takes it (a fresh copy each time) for an explicit null, as Vault decodes it', () => {
    const clearing = { policies: f.list({ nullValue: [] }), ttl: f.duration({ default: 60 }) }
    const first = parseFields(clearing, { policies: null, ttl: null }).values
    assert.deepEqual(first, { policies: [], ttl: 60 }, 'durations still read null as absent')
    ;(first.policies as string[]).push('changed')
    assert.deepEqual(parseFields(clearing, { policies: null }).values.policies, [])
    assert.equal(parseFields(clearing, {}).values.policies, undefined, 'absent stays absent')
  })

  it('a missing or null required field is a 400 naming it', () => {
    refuses(() => parseFields(fields, {}), 'name', /missing required field/)
    refuses(() => parseFields(fields, { name: null }), 'name', /missing required field/)
  })

  it('a wrongly typed value is a 400 naming the field it came in', () => {
    refuses(() => parseFields(fields, { name: 'n', enabled: 'maybe' }), 'enabled')
  })

  it('carries each field’s declaration: kind, description, sensitive (drives audit HMAC and UI masking)', () => {
    assert.equal(fields.password.sensitive, true)
    assert.equal(fields.password.description, 'The password.')
    assert.equal(fields.name.sensitive, false, 'fields are not sensitive unless declared so')
    assert.equal(fields.name.required, true)
    assert.equal(fields.ttl.required, false)
    assert.deepEqual(Object.fromEntries(Object.entries(f).map(([kind, make]) => [kind, make().kind])), {
      string: 'string',
      int: 'int',
      bool: 'bool',
      duration: 'duration',
      list: 'list',
      map: 'map',
      stringMap: 'map',
      kvPairs: 'map',
      any: 'any',
    })
    assert.deepEqual(coerce(f.any(), { anything: [1] }), { anything: [1] }, '"any" passes values through')
  })
})
