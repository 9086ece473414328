// `coffer operator migrate -config=FILE`: flag parsing and the report for an offline storage migration.
import { createLogger } from '../../lib/logger.ts'
import { migrateStorage } from './migrate.ts'
import { loadMigrationConfig } from './migrate-config.ts'

const USAGE = `Usage: coffer operator migrate [options]

  Copy all storage from storage_source to storage_destination (Vault's migrate config, HCL or JSON), raw: nothing
  is decrypted and no unseal is needed. Stop the server first. Afterwards every key and value is counted and
  hashed on both sides.

  -config=FILE        The migration config (required)
  -force              Replace a destination that already holds data
  -start=KEY          Copy only keys at or after KEY, keeping the destination's earlier keys (resume a run)
  -max-parallel=N     Accepted for Vault compatibility; the copy is one atomic transaction
  -reset              Accepted for Vault compatibility; Coffer keeps no migration lock
  -log-level=LEVEL    debug, info, warn or error (default warn)`

export async function runMigrateCommand(
  args: string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<void> {
  const flags = new Map<string, string>()
  for (const arg of args) {
    if (arg === '-h' || arg === '-help' || arg === '--help') {
      out(USAGE)
      return
    }
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg)
    if (!m) throw new Error(`unexpected argument "${arg}"\n\n${USAGE}`)
    const [, name, value] = m as unknown as [string, string, string | undefined]
    if (['force', 'reset'].includes(name)) flags.set(name, value ?? 'true')
    else if (['config', 'start', 'max-parallel', 'log-level'].includes(name)) {
      if (value === undefined) throw new Error(`flag -${name} needs a value, as in -${name}=...`)
      flags.set(name, value)
    } else throw new Error(`unknown flag -${name}\n\n${USAGE}`)
  }
  const configPath = flags.get('config')
  if (!configPath) throw new Error(`-config=FILE is required\n\n${USAGE}`)
  const maxParallel = flags.get('max-parallel')
  if (maxParallel !== undefined && !/^[1-9]\d*$/.test(maxParallel))
    throw new Error('-max-parallel must be a positive integer')
  const level = flags.get('log-level') ?? 'warn'
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    throw new Error('-log-level must be debug, info, warn or error')
  const config = loadMigrationConfig(configPath)
  const start = flags.get('start')
  const result = await migrateStorage(config.source, config.destination, createLogger(level as 'warn'), {
    force: flags.get('force') === 'true',
    ...(start !== undefined ? { start } : {}),
  })
  out(`Success! Migrated ${result.copied} entries from ${config.source.type} to ${config.destination.type}.`)
  out(`  source:      ${result.source.count} entries, sha256 ${result.source.sha256}`)
  out(`  destination: ${result.destination.count} entries, sha256 ${result.destination.sha256}`)
}
