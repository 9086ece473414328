// The `coffer operator migrate` config file: Vault's storage_source and storage_destination blocks, HCL or JSON.
import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { type HclBody, HclSyntaxError, parseHcl } from '../../lib/hcl.ts'
import { ConfigError, parseStorage, type Section, type StorageConfig } from '../config/load-config.ts'

export interface MigrationConfig {
  source: StorageConfig
  destination: StorageConfig
}

const BLOCKS = ['storage_source', 'storage_destination'] as const
/** Top-level keys Vault's migrate config has besides the blocks; accepted and unused (no cluster here). */
const IGNORED_KEYS = new Set(['cluster_addr'])

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Each block as a storage Section, from HCL (`storage_source "sqlite" { ... }`) or JSON (`{"storage_source": {"sqlite": {...}}}`). */
function sectionsOf(text: string, json: boolean): Map<string, Section[]> {
  const found = new Map<string, Section[]>(BLOCKS.map((kind) => [kind, []]))
  const add = (kind: string, type: string, body: unknown): void => {
    const list = found.get(kind)
    if (list === undefined) {
      if (IGNORED_KEYS.has(kind)) return
      throw new ConfigError(
        kind,
        'unknown key (a migration config has storage_source and storage_destination)',
      )
    }
    if (!isObject(body)) throw new ConfigError(`${kind}.${type}`, 'must be an object')
    list.push({ kind: 'storage', type, body: { ...body } })
  }
  if (json) {
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      throw new ConfigError('config', 'invalid JSON')
    }
    if (!isObject(doc)) throw new ConfigError('config', 'a JSON config must be an object')
    for (const [kind, value] of Object.entries(doc)) {
      if (IGNORED_KEYS.has(kind)) continue
      if (!isObject(value)) throw new ConfigError(kind, 'must be an object such as {"sqlite": {...}}')
      for (const [type, body] of Object.entries(value)) add(kind, type, body)
    }
    return found
  }
  let body: HclBody
  try {
    body = parseHcl(text)
  } catch (error) {
    if (error instanceof HclSyntaxError) throw new ConfigError('config', error.message, { cause: error })
    throw error
  }
  for (const key of Object.keys(body.attributes))
    if (!IGNORED_KEYS.has(key)) throw new ConfigError(key, 'unknown key')
  for (const block of body.blocks) {
    if (block.labels.length !== 1)
      throw new ConfigError(
        block.type,
        `line ${block.line}: expected one type label, as in ${block.type} "sqlite" { ... }`,
      )
    add(block.type, block.labels[0]!, block.body.attributes)
  }
  return found
}

export function parseMigrationConfig(text: string, format: 'hcl' | 'json'): MigrationConfig {
  const sections = sectionsOf(text, format === 'json')
  const one = (kind: (typeof BLOCKS)[number]): StorageConfig => {
    const list = sections.get(kind)!
    if (list.length !== 1)
      throw new ConfigError(kind, `exactly one ${kind} block is required (found ${list.length})`)
    const storage = parseStorage(list[0]!)
    if (storage.type === 'inmem')
      throw new ConfigError(
        kind,
        'inmem storage holds nothing outside a running server; migrate between persistent stores',
      )
    return storage
  }
  return { source: one('storage_source'), destination: one('storage_destination') }
}

export function loadMigrationConfig(path: string): MigrationConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(
      path,
      `cannot read the config file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    )
  }
  const json = extname(path).toLowerCase() === '.json' || text.trimStart().startsWith('{')
  return parseMigrationConfig(text, json ? 'json' : 'hcl')
}
