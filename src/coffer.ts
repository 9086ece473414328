// The `coffer` entry point: `coffer server` starts a server, `coffer operator migrate` copies storage offline, every other command is the API client CLI.
const args = process.argv.slice(2)

if (args[0] === 'server') {
  const { runServerCommand } = await import('./server/main.ts')
  try {
    await runServerCommand(args.slice(1))
  } catch (error) {
    process.stderr.write(`Error: ${(error as Error).message}\n`)
    process.exit(1)
  }
} else if (args[0] === 'operator' && args[1] === 'migrate') {
  // Offline migration opens storage itself, so it runs server code, not the API client.
  const { runMigrateCommand } = await import('./server/operator/migrate-command.ts')
  try {
    await runMigrateCommand(args.slice(2))
  } catch (error) {
    process.stderr.write(`Error: ${(error as Error).message}\n`)
    process.exit(1)
  }
} else {
  // `coffer kv list secret | head -1`: the reader may close the pipe before we finish writing. The Go vault
  // CLI then dies of SIGPIPE without a word; Node would print a stack trace for the unhandled EPIPE instead.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(128 + 13)
  })
  const { runCli } = await import('./cli/main.ts')
  process.exitCode = await runCli(args)
}
