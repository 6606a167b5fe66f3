// Runs the tap suite and closes with the line CI reads: "N passed, N failed".
import { spawn } from 'node:child_process'

const args = ['tap', ...process.argv.slice(2)]
const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'inherit'] })
let tail = ''
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  tail = (tail + chunk.toString()).slice(-4096)
})
child.on('close', (code) => {
  const summary = /# \{([^}]*)\}\s*$/m.exec(tail.split('\n').filter(l => l.startsWith('# {')).pop() ?? '')
  const counts = {}
  for (const m of (summary?.[1] ?? '').matchAll(/(\w+):\s*(\d+)/g)) counts[m[1]] = Number(m[2])
  const failed = counts.fail ?? 0
  const passed = counts.pass ?? 0
  console.log(`${passed} passed, ${failed} failed`)
  process.exit(code !== 0 ? code || 1 : (failed > 0 || passed === 0 ? 1 : 0))
})
