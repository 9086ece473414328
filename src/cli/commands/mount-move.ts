// Shared by `secrets move` and `auth move`: start a sys/remount and poll its status until the move ends.
import { CliError, type CommandContext, remote } from '../context.ts'

/** Polls back off from 100 ms to 2 s: Coffer's moves usually end within the first few (Vault's CLI waits 10 s). */
function pollDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** attempt, 2000)
}

export async function moveMount(
  ctx: CommandContext,
  noun: string,
  from: string,
  to: string,
): Promise<number> {
  const client = ctx.client()
  const started = await remote(`Error moving ${noun} ${from} to ${to}`, () =>
    client.write('sys/remount', { from, to }),
  )
  const id = started?.data?.['migration_id']
  if (typeof id !== 'string')
    throw new CliError(`Error moving ${noun} ${from} to ${to}: no migration ID returned`, 2)
  ctx.out(`Started moving ${noun} ${from} to ${to}, with migration ID ${id}`)
  for (let attempt = 0; ; attempt++) {
    const status = await remote(`Error checking migration status of ${noun} ${from} to ${to}`, () =>
      client.read(`sys/remount/status/${id}`),
    )
    const info = status?.data?.['migration_info'] as { status?: string } | undefined
    if (info?.status === 'success') {
      ctx.out(`Success! Finished moving ${noun} ${from} to ${to}, with migration ID ${id}`)
      return 0
    }
    // Vault's CLI reports a failed move and still exits 0; a script should be able to tell, so this exits 2.
    if (info?.status === 'failure')
      throw new CliError(
        `Failure! Error encountered moving ${noun} ${from} to ${to}, with migration ID ${id} (the server log has the cause)`,
        2,
      )
    if (info?.status !== 'in-progress')
      throw new CliError(
        `Error checking migration status of ${noun} ${from} to ${to}: no status for ${id}`,
        2,
      )
    await new Promise((resolve) => setTimeout(resolve, pollDelayMs(attempt)))
  }
}
