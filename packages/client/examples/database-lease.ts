// Runnable example: dynamic database credentials that renew themselves and are replaced before their lease ends.
// Needs a database secrets engine with a role (docs/engines/database.md).
// Run: VAULT_ADDR=… VAULT_TOKEN=… node packages/client/examples/database-lease.ts database app
import { CofferClient } from '../src/index.ts'

const [mount = 'database', role = 'app'] = process.argv.slice(2)
const client = new CofferClient({
  address: process.env['VAULT_ADDR'] ?? 'http://127.0.0.1:8200',
  token: process.env['VAULT_TOKEN'] ?? '',
  events: { enabled: false },
})

const lease = await client.database.credentials(mount, role)
console.log(`user ${lease.credentials.username}, lease ${lease.leaseId} for ${lease.ttl}s`)
lease.on('renewed', ({ ttl }) => console.log(`renewed for ${ttl}s`))
lease.on('expiring', ({ ttl }) =>
  console.log(`max TTL reached: ends in ${ttl}s, a new credential comes first`),
)
// A real application would open a new connection pool here and drain the old one.
lease.on('rotated', () => console.log(`rotated to user ${lease.credentials.username}`))
lease.on('error', (error) => console.error(`lease: ${error.message}`))

process.on('SIGINT', async () => {
  await lease.close({ revoke: true })
  client.close()
})
// The lease's timers do not keep the process alive; this stands in for the application's own work.
setInterval(() => {}, 60_000)
