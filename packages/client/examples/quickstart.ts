// Runnable example: write and read a KV secret, follow its changes, and encrypt with transit.
// Run: VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=… node packages/client/examples/quickstart.ts
import { once } from 'node:events'
import { CofferClient } from '../src/index.ts'

const client = new CofferClient({
  address: process.env['VAULT_ADDR'] ?? 'http://127.0.0.1:8200',
  token: process.env['VAULT_TOKEN'] ?? '',
  cache: { ttl: 300 },
})
// Events keep the cache current; without them (or without the policy) every read asks the server.
console.log(`events ${(await client.eventsReady()) ? 'on' : 'off'}`)

await client.kv.put('examples/app', { username: 'app', password: 'example-only' })
const secret = await client.kv.get<{ username: string; password: string }>('examples/app')
// Print what the secret is, never what it holds.
console.log(`read version ${secret.metadata.version} with fields ${Object.keys(secret.data).join(', ')}`)

client.on('change', ({ key, event }) => console.log(`changed: ${key} (${event.type})`))
const changed = once(client, 'change')
// Another application writes a new version (client.request goes around this client's cache).
await client.request('POST', 'secret/data/examples/app', {
  body: { data: { username: 'app', password: 'new' } },
})
await changed
const version = (await client.kv.get('examples/app')).metadata.version
console.log(`now at version ${version}, loaded by the event`)

await client.request('POST', 'sys/mounts/transit', { body: { type: 'transit' } }).catch(() => {})
const ciphertext = await client.transit.encrypt('examples', 'card 4111')
const plaintext = await client.transit.decrypt('examples', ciphertext)
console.log(`transit round trip ${plaintext.toString() === 'card 4111' ? 'ok' : 'FAILED'}`)

client.close()
