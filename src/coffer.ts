// The `coffer` entry point: `coffer server` starts a server, every other command is the API client CLI.
const args = process.argv.slice(2)

if (args[0] === 'server') {
  const { runServerCommand } = await import('./server/main.ts')
  try {
    await runServerCommand(args.slice(1))
  } catch (error) {
    process.stderr.write(`Error: ${(error as Error).message}\n`)
    process.exit(1)
  }
} else {
  const { runCli } = await import('./cli/main.ts')
  process.exitCode = await runCli(args)
}
