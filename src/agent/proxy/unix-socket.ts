// Listening on a unix socket for `listener "unix"`: a stale socket file is replaced, the new one gets its mode and
// owner before anyone can connect with looser ones, and it is removed when the agent stops.
import { chmodSync, chownSync, lstatSync, readFileSync, unlinkSync } from 'node:fs'
import type { Server } from 'node:net'

export interface UnixSocketOptions {
  path: string
  /** The socket's mode; owner only (0600) when unset. */
  mode: number | undefined
  user: string | undefined
  group: string | undefined
}

/** A user or group name (or numeric id) as an id, from /etc/passwd or /etc/group. */
export function resolveId(name: string, database: '/etc/passwd' | '/etc/group'): number {
  if (/^\d+$/.test(name)) return Number(name)
  let text = ''
  try {
    text = readFileSync(database, 'utf8')
  } catch {}
  for (const line of text.split('\n')) {
    const fields = line.split(':')
    if (fields[0] === name && fields[2] !== undefined && /^\d+$/.test(fields[2])) return Number(fields[2])
  }
  throw new Error(`unknown ${database === '/etc/passwd' ? 'user' : 'group'} ${name} for the unix listener`)
}

/** Remove a socket left by an agent that did not stop cleanly; refuse to remove anything that is not a socket. */
function removeStale(path: string): void {
  let stat: ReturnType<typeof lstatSync>
  try {
    stat = lstatSync(path)
  } catch {
    return
  }
  if (!stat.isSocket())
    throw new Error(`${path} exists and is not a socket: the unix listener will not replace it`)
  unlinkSync(path)
}

export async function listenUnix(server: Server, options: UnixSocketOptions): Promise<void> {
  const uid = options.user === undefined ? -1 : resolveId(options.user, '/etc/passwd')
  const gid = options.group === undefined ? -1 : resolveId(options.group, '/etc/group')
  removeStale(options.path)
  // The socket is bound with owner-only permissions (the bind happens inside listen(), synchronously), and only
  // then opened up to the configured mode: no moment where it is wider than asked.
  const previous = process.umask(0o177)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.path, () => {
        server.off('error', reject)
        resolve()
      })
      process.umask(previous)
    })
  } finally {
    process.umask(previous)
  }
  try {
    if (uid !== -1 || gid !== -1) chownSync(options.path, uid, gid)
    chmodSync(options.path, options.mode ?? 0o600)
  } catch (error) {
    server.close()
    removeSocket(options.path)
    throw new Error(
      `cannot set the owner or mode of ${options.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
}

/** Remove the agent's socket file at shutdown (not anything that replaced it meanwhile). */
export function removeSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path)
  } catch {}
}
