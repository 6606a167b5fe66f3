// Runs the tap suites and closes with the line CI reads: "N passed, N failed", summed over every run.
//   node tools/run-tests.mjs              the main suite (package.json "tap": test/**/*.test.ts without test/bench)
//   node tools/run-tests.mjs bench        the bench smoke test (about 40 s)
//   node tools/run-tests.mjs main bench   both in turn; each runs even if the one before failed
//   node tools/run-tests.mjs <tap args>   one tap run with those arguments, e.g. a single test file
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'

// Tests load TypeScript with tsx (package.json "tap" node-arg). tsx puts the source text in its source maps only when
// NODE_V8_COVERAGE is set, and the coverage report needs that text (without it, each file counts as one line): so tap's
// test-env sets it. Node then writes its own coverage too, into .tap/coverage/node: each tap run clears it, the report
// skips it.
// The main suite holds the coverage floor (package.json "tap"); the bench's servers run compiled code, so no coverage
// there, nor Node's own (NODE_V8_COVERAGE unset: it would slow the servers and the tsc the bench runs).
const SUITES = {
  main: ['--no-allow-incomplete-coverage'],
  bench: ['--disable-coverage', '--test-env=NODE_V8_COVERAGE', 'test/bench/smoke.test.ts']
}

/** One tap run, echoed as it goes; resolves with its exit code and the counts of its closing summary. */
function tap (args) {
  return new Promise((resolve) => {
    const child = spawn('npx', ['tap', ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let tail = ''
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk)
      tail = (tail + chunk.toString()).slice(-4096)
    })
    child.on('close', (code) => {
      const summary = /# \{([^}]*)\}\s*$/m.exec(tail.split('\n').filter(l => l.startsWith('# {')).pop() ?? '')
      const counts = {}
      for (const m of (summary?.[1] ?? '').matchAll(/(\w+):\s*(\d+)/g)) counts[m[1]] = Number(m[2])
      resolve({ code: code ?? 1, passed: counts.pass ?? 0, failed: counts.fail ?? 0 })
    })
  })
}

// tap rebuilds its Test class when package.json "tap" plugins differ from the built ones, but only after it has
// chosen this run's loaders: the first run after npm ci would load ts-node as well as tsx. So build first.
const [{ TapConfig }, { signature }] = await Promise.all([import('@tapjs/config'), import('@tapjs/test')])
if ((await TapConfig.load()).pluginSignature !== signature) {
  const built = await new Promise(resolve => spawn('npx', ['tap', 'build'], { stdio: 'inherit' }).on('close', resolve))
  if (built !== 0) process.exit(built ?? 1)
}

const argv = process.argv.slice(2)
const named = argv.length > 0 && argv.every(a => Object.hasOwn(SUITES, a))
const runs = named ? argv.map(name => SUITES[name]) : [argv]

let passed = 0
let failed = 0
let code = 0
for (const args of runs) {
  const run = await tap(args)
  passed += run.passed
  failed += run.failed
  // A run that passed nothing (or crashed before its summary) fails the whole, whatever its exit code.
  if (run.code !== 0 || run.failed > 0 || run.passed === 0) code = run.code || 1
  if (run.code !== 0 && run.failed === 0 && run.passed > 0) console.log('# every test passed but the run failed (coverage below the floor?)')
}
// Node's own coverage (about 400 MB a run) has served its purpose once the report is out.
rmSync('.tap/coverage/node', { recursive: true, force: true })
console.log(`${passed} passed, ${failed} failed`)
process.exit(code)
