// `coffer operator snapshot save|restore` (and Vault's `operator raft snapshot` spelling): whole-storage snapshots.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { writePrivateFile } from '../../../lib/private-file.ts'
import type { CommandSpec } from '../../context.ts'
import { CliError, remote } from '../../context.ts'
import { success } from '../../output.ts'

function saveCommand(path: readonly string[]): CommandSpec {
  return {
    path: [...path, 'save'],
    usage: '[options] FILE',
    summary: 'Save a snapshot of the whole (encrypted) storage to FILE (needs sudo)',
    help: 'The file is written owner-only (0600) through a temporary file renamed into place, so a failed save never leaves a partial snapshot at FILE. Values stay encrypted by the barrier.',
    minArgs: 1,
    maxArgs: 1,
    async run(ctx) {
      const file = resolve(ctx.args[0] as string)
      const snapshot = await remote('Error taking the snapshot', () => ctx.client().snapshotSave())
      try {
        writePrivateFile(file, snapshot)
      } catch (error) {
        throw new CliError(`Error writing the snapshot to ${file}: ${(error as Error).message}`, 1)
      }
      return success(ctx, `Snapshot saved to ${file}`)
    },
  }
}

function restoreCommand(path: readonly string[]): CommandSpec {
  return {
    path: [...path, 'restore'],
    usage: '[options] FILE',
    summary: 'Replace the whole storage with the snapshot in FILE (needs sudo)',
    help: "Without -force the server's current key shares must open the snapshot; the server then stays unsealed. With -force any snapshot is installed and the server is left sealed: unseal it with the key shares that belonged to the snapshot.",
    flags: [
      {
        name: 'force',
        kind: 'bool',
        usage: "Install the snapshot even if this server's keys do not open it",
      },
    ],
    minArgs: 1,
    maxArgs: 1,
    async run(ctx) {
      const file = resolve(ctx.args[0] as string)
      let snapshot: Buffer
      try {
        snapshot = readFileSync(file)
      } catch (error) {
        throw new CliError(`Error reading the snapshot ${file}: ${(error as Error).message}`, 1)
      }
      const force = ctx.flags.bool('force')
      await remote('Error restoring the snapshot', () => ctx.client().snapshotRestore(snapshot, force))
      return success(
        ctx,
        force
          ? "Snapshot restored; the server is sealed: unseal it with the snapshot's key shares."
          : 'Snapshot restored.',
      )
    },
  }
}

export const operatorSnapshotCommands: CommandSpec[] = [
  saveCommand(['operator', 'snapshot']),
  restoreCommand(['operator', 'snapshot']),
  // Vault's spelling, for scripts written against it.
  saveCommand(['operator', 'raft', 'snapshot']),
  restoreCommand(['operator', 'raft', 'snapshot']),
]
