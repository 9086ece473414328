// OpenBao's sdk/framework field_data_test.go tables replayed against Coffer's field coercion, plus the weak-decoding
// cases a JSON body reaches (Vault decodes bodies with UseNumber, so a JSON number arrives as its text).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../errors.ts'
import { type Field, f, parseFields } from './fields.ts'

/**
 * How Vault's field types map onto Coffer's. TypeInt64 is TypeInt; TypeFloat, TypeSignedDurationSecond, TypeSlice,
 * TypeStringSlice, TypeCommaIntSlice, TypeNameString, TypeLowerCaseString, TypeHeader and TypeTime have no Coffer
 * field kind (the engines that need such values read them through `f.any` and check them themselves), so their
 * rows of the Go tables are not replayed here.
 */
const TYPES = {
  TypeString: f.string,
  TypeInt: f.int,
  TypeInt64: f.int,
  TypeBool: f.bool,
  TypeMap: f.map,
  TypeDurationSecond: f.duration,
  TypeCommaStringSlice: f.list,
  TypeKVPairs: f.kvPairs,
}

/** What a request carrying `foo: raw` gives the handler for a field `foo` of `spec`, through the request path. */
function get(spec: Field<unknown>, raw?: unknown): unknown {
  const data = raw === undefined ? {} : { foo: raw }
  return parseFields({ foo: spec }, data).values.foo
}

/** Vault answers a value its field cannot take with a 400 (Field validation failed); Coffer must too, never a crash. */
function refuses(spec: Field<unknown>, raw: unknown): void {
  assert.throws(
    () => get(spec, raw),
    (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError, `a 400, got ${error}`)
      assert.equal(error.status, 400)
      assert.match(error.message, /"foo[".]/, 'the message names the field')
      return true
    },
    `${JSON.stringify(raw)} is refused`,
  )
}

/** Each [raw, expected] pair decodes to expected. */
function decodes(spec: Field<unknown>, cases: [unknown, unknown][]): void {
  for (const [raw, expected] of cases) assert.deepEqual(get(spec, raw), expected, JSON.stringify(raw))
}

describe('TestFieldDataGet (OpenBao sdk/framework/field_data_test.go)', () => {
  it('string type: strings as they are, numbers as their text, the default when unset', () => {
    decodes(TYPES.TypeString(), [
      ['bar', 'bar'],
      [42, '42'],
    ])
    assert.equal(get(TYPES.TypeString({ default: 'bar' })), 'bar')
    // Go's Get gives the zero value ("") for an unset field without a default; Coffer's handlers see undefined, so
    // they can tell "not sent" from "sent empty" (FieldValues is T | undefined by design).
    assert.equal(get(TYPES.TypeString()), undefined)
  })

  it('int type: int value, and unset', () => {
    decodes(TYPES.TypeInt(), [[42, 42]])
    assert.equal(
      get(TYPES.TypeInt()),
      undefined,
      'Go: 0, the zero value; Coffer: undefined (see the string case)',
    )
  })

  it('bool type: bool value, and unset', () => {
    decodes(TYPES.TypeBool(), [[false, false]])
    assert.equal(get(TYPES.TypeBool()), undefined, 'Go: false, the zero value')
  })

  it('map type: map value, and unset', () => {
    decodes(TYPES.TypeMap(), [[{ child: true }, { child: true }]])
    assert.equal(get(TYPES.TypeMap()), undefined, 'Go: an empty map')
  })

  it('duration type: numeric string, unit string, int, whole float, zero, nil, unset', () => {
    decodes(TYPES.TypeDurationSecond(), [
      ['42', 42],
      ['42m', 2520],
      [42, 42],
      [42.0, 42],
      [0, 0],
    ])
    // Go's Get gives 0 for nil and for unset; Coffer leaves both undefined (no default declared), which the
    // handlers read as "use the mount's TTL" just as Vault's read 0.
    assert.equal(get(TYPES.TypeDurationSecond(), null), undefined)
    assert.equal(get(TYPES.TypeDurationSecond()), undefined)
    assert.equal(get(TYPES.TypeDurationSecond({ default: 30 }), null), 30)
  })

  it('comma string slice type: empty string, one and many values, JSON arrays, a single JSON number', () => {
    decodes(TYPES.TypeCommaStringSlice(), [
      ['', []],
      ['value1', ['value1']],
      ['value1,value2,value3', ['value1', 'value2', 'value3']],
      [['value1'], ['value1']],
      [
        ['value1', 'value2', 'value3'],
        ['value1', 'value2', 'value3'],
      ],
      [[], []],
      [123, ['123']],
    ])
    assert.equal(get(TYPES.TypeCommaStringSlice()), undefined, 'Go: an empty slice')
  })

  it('keypair type: a map (values as text), a list of "k=v", a single "k=v", and unset', () => {
    decodes(TYPES.TypeKVPairs(), [
      [
        { key1: 'value1', key2: 'value2', key3: 1 },
        { key1: 'value1', key2: 'value2', key3: '1' },
      ],
      [['key1=value1', 'key2=value2', 'key3=1'], { key1: 'value1', key2: 'value2', key3: '1' }],
      ['key1=value1', { key1: 'value1' }],
    ])
    assert.equal(get(TYPES.TypeKVPairs()), undefined, 'Go: an empty map')
  })
})

describe('TestFieldDataGet_Error (OpenBao sdk/framework/field_data_test.go)', () => {
  it('keypair type: a pair with an empty key name', () => {
    refuses(TYPES.TypeKVPairs(), ['=value1', 'key2=value2', 'key3=1'])
  })

  it('duration type: negative string, negative unit string, negative int, negative float', () => {
    for (const raw of ['-42', '-42m', -42, -42.0]) refuses(TYPES.TypeDurationSecond(), raw)
  })
})

describe('TestValidateStrict (OpenBao sdk/framework/field_data_test.go)', () => {
  const schema = { foo: f.string({ required: true }) }

  it('string type: string and int values are valid', () => {
    assert.deepEqual(parseFields({ foo: f.string() }, { foo: 'bar' }).unknown, [])
    assert.equal(parseFields({ foo: f.string() }, { foo: 42 }).values.foo, '42')
    assert.equal(parseFields({ foo: f.string() }, {}).values.foo, undefined)
  })

  it('a missing required value is an error', () => {
    // Vault's request path never checks Required (only ValidateStrict, used on responses in its tests); Coffer's
    // does, deliberately, so a handler can rely on a required field being there and a client gets a 400 naming it.
    assert.throws(() => parseFields(schema, {}), /missing required field "foo"/)
  })

  it('a value not in the schema is reported (a warning on requests), and its value is never echoed', () => {
    const { unknown } = parseFields(schema, { foo: 42, bar: 43 })
    assert.deepEqual(unknown, ['bar'])
    assert.deepEqual(parseFields({}, { foo: 42, bar: 43 }).unknown, ['foo', 'bar'])
  })
})

// What Vault's mapstructure.WeakDecode does with each shape a client sends. JSON bodies are decoded with UseNumber,
// so a number reaches the field as a json.Number, whose kind is string: it is then read as its text ("2" for a bool
// field goes through strconv.ParseBool and is refused, 1.5 for an int field through strconv.ParseInt and is refused).
describe('mapstructure weak decoding of JSON bodies (the values Vault clients send)', () => {
  it('TypeBool: Go strconv.ParseBool spellings, "" as false, and the numbers 1 and 0 only', () => {
    decodes(TYPES.TypeBool(), [
      [true, true],
      ['1', true],
      ['t', true],
      ['T', true],
      ['TRUE', true],
      ['true', true],
      ['True', true],
      [1, true],
      ['0', false],
      ['f', false],
      ['F', false],
      ['FALSE', false],
      ['false', false],
      ['False', false],
      ['', false],
      [0, false],
    ])
    for (const raw of ['tRuE', 'yes', 'on', ' true', 2, -1, 0.5, [true], {}]) refuses(TYPES.TypeBool(), raw)
  })

  it('TypeInt: strconv.ParseInt with base 0 (prefixes, octal, underscores), "" as 0, and booleans as 1/0', () => {
    decodes(TYPES.TypeInt(), [
      ['42', 42],
      ['-3', -3],
      ['+7', 7],
      ['', 0],
      ['0x10', 16],
      ['0X1f', 31],
      ['-0x10', -16],
      ['010', 8],
      ['0o17', 15],
      ['0b101', 5],
      ['1_000', 1000],
      ['0x_ff', 255],
      [true, 1],
      [false, 0],
      [1.0, 1],
    ])
    for (const raw of [
      ' 42',
      '42 ',
      '1e3',
      '1.5',
      '1.0',
      '08',
      '0x',
      '_1',
      '1_',
      '1__0',
      'ten',
      1.5,
      [1],
      {},
    ])
      refuses(TYPES.TypeInt(), raw)
  })

  it('TypeString: numbers as their text and booleans as "1"/"0", as WeakDecode writes them', () => {
    decodes(TYPES.TypeString(), [
      ['', ''],
      [12, '12'],
      [-1.5, '-1.5'],
      [true, '1'],
      [false, '0'],
    ])
    for (const raw of [['a'], { a: 1 }]) refuses(TYPES.TypeString(), raw)
  })

  it('TypeDurationSecond: whole seconds, ParseInt strings, "<n>d", and Go time.ParseDuration strings', () => {
    decodes(TYPES.TypeDurationSecond(), [
      ['', 0],
      ['100', 100],
      ['+100', 100],
      ['007', 7],
      ['1h', 3600],
      ['1h30m', 5400],
      ['1.5h', 5400],
      ['.5h', 1800],
      ['1.h', 3600],
      ['+1h', 3600],
      ['1.5s', 1],
      ['1500ms', 1],
      ['2000000us', 2],
      ['2000000µs', 2],
      ['2000000μs', 2],
      ['7d', 604800],
      ['0', 0],
      ['-0', 0],
      ['-0s', 0],
    ])
    // A JSON 1.5 reaches Vault as the text "1.5": not an integer, and no unit for time.ParseDuration.
    for (const raw of [1.5, '1.5', '1h-', 'soon', '1 h', '.h', '-1s', '-1d', true, [60], {}])
      refuses(TYPES.TypeDurationSecond(), raw)
  })

  it('TypeCommaStringSlice: single scalars lifted into a list, items trimmed and weakly turned into text', () => {
    decodes(TYPES.TypeCommaStringSlice(), [
      ['a, b', ['a', 'b']],
      [
        [' a ', 'b,c'],
        ['a', 'b,c'],
      ],
      [true, ['1']],
      [
        [1, true, false],
        ['1', '1', '0'],
      ],
      [{}, []],
    ])
    // Vault keeps the empty items ("a,,b" is ["a", "", "b"], a JSON null item is ""); Coffer drops them,
    // deliberately (see parseStringList): an empty policy, CIDR or domain is never what a trailing comma meant.
    decodes(TYPES.TypeCommaStringSlice(), [
      ['a,,b,', ['a', 'b']],
      [['a', null, ''], ['a']],
    ])
    for (const raw of [{ a: 'b' }, [{ a: 'b' }], [['a']]]) refuses(TYPES.TypeCommaStringSlice(), raw)
  })

  it('TypeMap: an object, an empty list as an empty map, a list of objects merged in order', () => {
    decodes(TYPES.TypeMap(), [
      [
        { a: 1, b: { c: true } },
        { a: 1, b: { c: true } },
      ],
      [[], {}],
      [[{ a: 1, b: 1 }, { b: 2 }], { a: 1, b: 2 }],
    ])
    // Vault refuses a string for a map; Coffer also takes a JSON object in a string, deliberately (see parseMap).
    decodes(TYPES.TypeMap(), [['{"a":1}', { a: 1 }]])
    for (const raw of ['a=b', 3, true, [{ a: 1 }, 'b'], [1]]) refuses(TYPES.TypeMap(), raw)
  })

  it('TypeKVPairs: a map first (values as weak text, null as ""), else a list of "k=v" split at the first "="', () => {
    decodes(TYPES.TypeKVPairs(), [
      [
        { a: true, b: null, c: 1.5 },
        { a: '1', b: '', c: '1.5' },
      ],
      [[], {}],
      [{}, {}],
      [[{ a: 'x' }, { b: 2 }], { a: 'x', b: '2' }],
      [['url=a=b', 'empty='], { url: 'a=b', empty: '' }],
    ])
    for (const raw of ['', 'novalue', 3, true, ['a=b', null], ['a=b', { c: 'd' }], { a: { nested: 1 } }])
      refuses(TYPES.TypeKVPairs(), raw)
  })
})
