// `npm run dev`: the service against the simulator, restarted on every change (tsx watch); pretty logs on a
// terminal, JSON otherwise.
import { closeOnSignal, startLocalStack } from './local-stack.js'

const stack = await startLocalStack({ defaultLogLevel: 'debug', pretty: process.stdout.isTTY })
stack.app.log.info(`service ${stack.address} → Genesys simulator ${stack.sim.url}, sample bot ${stack.bot.url} (Bot Connector secret header ${stack.botConnectorSecret.header}: ${stack.botConnectorSecret.value}); docs ${stack.address}/docs; admin token ${stack.adminToken === 'demo-admin-token' ? 'demo-admin-token' : '(from ADMIN_TOKEN)'}`)
closeOnSignal(stack)
