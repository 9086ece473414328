// A small RFC 6902 applier (add, remove, replace, test) with RFC 6901 pointers, to check patches by their result.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents of any shape
type Json = any

export interface Operation {
  op: string
  path: string
  value?: Json
}

function segments(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new Error(`invalid JSON pointer ${pointer}`)
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
}

function arrayIndex(array: Json[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return array.length
  if (!/^(0|[1-9]\d*)$/.test(key)) throw new Error(`invalid array index ${key}`)
  const index = Number(key)
  if (index > array.length || (!forAdd && index === array.length))
    throw new Error(`index ${key} out of range`)
  return index
}

/** Applies `ops` to a deep copy of `doc`; throws as RFC 6902 requires (missing parent, bad index, failed test). */
export function applyPatch(doc: Json, ops: Operation[]): Json {
  let root = structuredClone(doc)
  for (const op of ops) {
    const path = segments(op.path)
    if (path.length === 0) {
      if (op.op === 'test') {
        if (JSON.stringify(root) !== JSON.stringify(op.value)) throw new Error('test failed')
        continue
      }
      root = structuredClone(op.value)
      continue
    }
    let parent = root
    for (const key of path.slice(0, -1)) {
      const next = Array.isArray(parent) ? parent[arrayIndex(parent, key, false)] : parent?.[key]
      if (next === undefined || next === null || typeof next !== 'object')
        throw new Error(`${op.op} ${op.path}: the parent does not exist`)
      parent = next
    }
    const last = path.at(-1)!
    if (Array.isArray(parent)) {
      const index = arrayIndex(parent, last, op.op === 'add')
      if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value))
      else if (op.op === 'remove') parent.splice(index, 1)
      else if (op.op === 'replace') parent[index] = structuredClone(op.value)
      else if (op.op === 'test') {
        if (JSON.stringify(parent[index]) !== JSON.stringify(op.value))
          throw new Error(`test ${op.path} failed`)
      } else throw new Error(`unsupported op ${op.op}`)
    } else {
      if (op.op !== 'add' && !Object.hasOwn(parent, last))
        throw new Error(`${op.op} ${op.path}: no such member`)
      if (op.op === 'add' || op.op === 'replace') parent[last] = structuredClone(op.value)
      else if (op.op === 'remove') delete parent[last]
      else if (op.op === 'test') {
        if (JSON.stringify(parent[last]) !== JSON.stringify(op.value))
          throw new Error(`test ${op.path} failed`)
      } else throw new Error(`unsupported op ${op.op}`)
    }
  }
  return root
}
