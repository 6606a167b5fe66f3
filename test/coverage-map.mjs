// tap coverage map: coverage counts the service (src/ and plugins/) and nothing else; bench tests count
// nothing: their servers run the compiled copy.
import { readdirSync } from 'node:fs'

function serviceFiles () {
  return ['src', 'plugins']
    .flatMap(dir => readdirSync(dir, { recursive: true }).map(file => `${dir}/${String(file).replaceAll('\\', '/')}`))
    .filter(file => file.endsWith('.ts'))
}

export default function coverageMap (testFile) {
  return /(^|\/)bench\//.test(testFile) ? null : serviceFiles()
}
