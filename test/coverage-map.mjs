// tap coverage map: coverage counts the service (src/ and plugins/) and nothing else. Tools that still sit
// under src/ are left out, and bench tests count nothing: their servers run the compiled copy in dist/.
import { readdirSync } from 'node:fs'

const TOOLS = /^src\/(simulator\/|demo\.ts$|dev\.ts$|local-stack\.ts$|openapi\.ts$)/

function serviceFiles () {
  return ['src', 'plugins']
    .flatMap(dir => readdirSync(dir, { recursive: true }).map(file => `${dir}/${String(file).replaceAll('\\', '/')}`))
    .filter(file => file.endsWith('.ts') && !TOOLS.test(file))
}

export default function coverageMap (testFile) {
  return /(^|\/)bench[^/]*\.test\.ts$/.test(testFile) ? null : serviceFiles()
}
