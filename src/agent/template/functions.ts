// The functions templates may call: text/template's builtins and the consul-template ones Vault Agent configs use.
import {
  comparable,
  formatValue,
  goJson,
  isMap,
  MISSING,
  sprintf,
  truthy,
  typeName,
  type Value,
} from './go-values.ts'

export class TemplateExecError extends Error {}

/** What a template may ask of the outside world; the renderer provides it. */
export interface TemplateHost {
  /** `secret "path"` (read) or `secret "path" "k=v"...` (write): Vault's response as Agent exposes it. */
  secret(path: string, writeData: Record<string, string> | undefined): Promise<Value>
  env(name: string): string
}

export type TemplateFunction = (args: Value[], host: TemplateHost) => Value | Promise<Value>

const str = (value: Value, fn: string): string => {
  if (typeof value !== 'string')
    throw new TemplateExecError(`${fn}: expected a string, got ${typeName(value)}`)
  return value
}

const arity = (fn: string, args: Value[], min: number, max = min) => {
  if (args.length < min || args.length > max)
    throw new TemplateExecError(
      `wrong number of args for ${fn}: want ${min === max ? min : `${min}-${max}`} got ${args.length}`,
    )
}

function compare(fn: string, a: Value, b: Value): number {
  if (!comparable(a, b) || (typeof a !== 'number' && typeof a !== 'string'))
    throw new TemplateExecError(`${fn}: incompatible types for comparison`)
  return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0
}

function index(args: Value[]): Value {
  let value = args[0]
  for (const key of args.slice(1)) {
    if (Array.isArray(value) || typeof value === 'string') {
      if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= value.length)
        throw new TemplateExecError(`index out of range or not an integer (${typeName(key)})`)
      value = Array.isArray(value) ? value[key] : value.charCodeAt(key)
    } else if (isMap(value)) {
      value = Object.hasOwn(value, String(key)) ? value[String(key)] : MISSING
    } else if (value === null || value === MISSING) {
      throw new TemplateExecError('index of untyped nil')
    } else throw new TemplateExecError(`can't index item of type ${typeof value}`)
  }
  return value
}

/** Sprint: spaces between operands when neither side is a string. */
function sprint(args: Value[]): string {
  let out = ''
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' '
    out += formatValue(arg, false)
  })
  return out
}

export const FUNCTIONS: Record<string, TemplateFunction> = {
  // text/template builtins
  and: (args) => args.find((a) => !truthy(a)) ?? args.at(-1),
  or: (args) => args.find((a) => truthy(a)) ?? args.at(-1),
  not: (args) => {
    arity('not', args, 1)
    return !truthy(args[0])
  },
  eq: (args) => {
    if (args.length < 2) throw new TemplateExecError('missing argument for comparison')
    return args.slice(1).some((b) => compare0(args[0], b))
  },
  ne: (args) => {
    arity('ne', args, 2)
    return !compare0(args[0], args[1])
  },
  lt: (args) => {
    arity('lt', args, 2)
    return compare('lt', args[0], args[1]) < 0
  },
  le: (args) => {
    arity('le', args, 2)
    return compare('le', args[0], args[1]) <= 0
  },
  gt: (args) => {
    arity('gt', args, 2)
    return compare('gt', args[0], args[1]) > 0
  },
  ge: (args) => {
    arity('ge', args, 2)
    return compare('ge', args[0], args[1]) >= 0
  },
  len: (args) => {
    arity('len', args, 1)
    const v = args[0]
    if (typeof v === 'string') return Buffer.byteLength(v)
    if (Array.isArray(v)) return v.length
    if (isMap(v)) return Object.keys(v).length
    throw new TemplateExecError(`len of type ${v === null || v === MISSING ? 'nil' : typeof v}`)
  },
  index: (args) => {
    arity('index', args, 1, Number.POSITIVE_INFINITY)
    return index(args)
  },
  print: (args) => sprint(args),
  println: (args) => `${args.map((a) => formatValue(a, false)).join(' ')}\n`,
  printf: (args) => {
    arity('printf', args, 1, Number.POSITIVE_INFINITY)
    return sprintf(str(args[0], 'printf'), args.slice(1))
  },
  // consul-template functions
  secret: async (args, host) => {
    arity('secret', args, 1, Number.POSITIVE_INFINITY)
    const path = str(args[0], 'secret')
    if (args.length === 1) return host.secret(path, undefined)
    const data: Record<string, string> = {}
    for (const pair of args.slice(1)) {
      const text = str(pair, 'secret')
      const eq = text.indexOf('=')
      if (eq <= 0)
        throw new TemplateExecError(
          `secret: invalid "key=value" argument ${JSON.stringify(text.slice(0, 40))}`,
        )
      data[text.slice(0, eq)] = text.slice(eq + 1)
    }
    return host.secret(path, data)
  },
  env: (args, host) => {
    arity('env', args, 1)
    return host.env(str(args[0], 'env'))
  },
  toJSON: (args) => {
    arity('toJSON', args, 1)
    return goJson(args[0])
  },
  toJSONPretty: (args) => {
    arity('toJSONPretty', args, 1)
    return goJson(args[0], '  ')
  },
  base64Encode: (args) => {
    arity('base64Encode', args, 1)
    return Buffer.from(str(args[0], 'base64Encode')).toString('base64')
  },
  base64Decode: (args) => {
    arity('base64Decode', args, 1)
    const text = str(args[0], 'base64Decode')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
      throw new TemplateExecError('base64Decode: illegal base64 data')
    return Buffer.from(text, 'base64').toString('utf8')
  },
  base64URLEncode: (args) => {
    arity('base64URLEncode', args, 1)
    return Buffer.from(str(args[0], 'base64URLEncode')).toString('base64url')
  },
  base64URLDecode: (args) => {
    arity('base64URLDecode', args, 1)
    return Buffer.from(str(args[0], 'base64URLDecode'), 'base64url').toString('utf8')
  },
  toLower: (args) => {
    arity('toLower', args, 1)
    return str(args[0], 'toLower').toLowerCase()
  },
  toUpper: (args) => {
    arity('toUpper', args, 1)
    return str(args[0], 'toUpper').toUpperCase()
  },
  trimSpace: (args) => {
    arity('trimSpace', args, 1)
    return str(args[0], 'trimSpace').trim()
  },
  split: (args) => {
    arity('split', args, 2)
    return str(args[1], 'split').split(str(args[0], 'split'))
  },
  join: (args) => {
    arity('join', args, 2)
    const list = args[1]
    if (!Array.isArray(list)) throw new TemplateExecError('join: expected a list')
    return list.map((item) => formatValue(item, false)).join(str(args[0], 'join'))
  },
  replaceAll: (args) => {
    arity('replaceAll', args, 3)
    return str(args[2], 'replaceAll').replaceAll(str(args[0], 'replaceAll'), str(args[1], 'replaceAll'))
  },
  contains: (args) => {
    arity('contains', args, 2)
    return str(args[1], 'contains').includes(str(args[0], 'contains'))
  },
  parseJSON: (args) => {
    arity('parseJSON', args, 1)
    try {
      return JSON.parse(str(args[0], 'parseJSON')) as Value
    } catch {
      throw new TemplateExecError('parseJSON: the value is not JSON')
    }
  },
}

function compare0(a: Value, b: Value): boolean {
  if (!comparable(a, b)) throw new TemplateExecError('eq: incompatible types for comparison')
  const norm = (v: Value) => (v === MISSING || v === undefined ? null : v)
  return norm(a) === norm(b)
}
