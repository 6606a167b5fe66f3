// The console's only static files, bundled with the service (nothing is loaded from elsewhere): one style
// sheet, one small script that refreshes the live counters, and an icon. Served under content-hashed names, so they
// can be cached for good while the pages themselves are never cached.
import { createHash } from 'node:crypto'

const CSS = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #d8dde6; --bg: #f6f7f9; --card: #fff; --accent: #0b5cad;
  --bot: #2f7d32; --pending: #9a6700; --done: #0b5cad; --ended: #6e7781; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #14213d; color: #fff; }
header.top .brand { font-weight: 600; }
header.top nav a { color: #dfe7f5; margin-right: 16px; text-decoration: none; }
header.top nav a[aria-current="page"] { color: #fff; border-bottom: 2px solid #fff; }
header.top form { margin-left: auto; }
header.top button { background: transparent; color: #dfe7f5; border: 1px solid #6b7a99; border-radius: 4px; padding: 4px 10px; cursor: pointer; }
main { padding: 20px 24px; max-width: 1280px; }
h1 { font-size: 20px; margin: 0 0 12px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
.card h2 { margin-top: 0; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: #eef1f5; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { max-width: 420px; overflow-wrap: anywhere; white-space: pre-wrap; }
.toolbar { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin-bottom: 12px; }
.filters a { display: inline-block; padding: 4px 10px; border: 1px solid var(--line); border-radius: 14px; background: var(--card); text-decoration: none; margin-right: 4px; }
.filters a[aria-current="page"] { background: var(--accent); color: #fff; border-color: var(--accent); }
form.find input { width: 320px; padding: 5px 8px; border: 1px solid var(--line); border-radius: 4px; }
form.find button, form.login button { padding: 5px 12px; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
.pager { display: flex; gap: 12px; align-items: center; margin-top: 12px; }
.state { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.state-bot { background: var(--bot); } .state-handing_off { background: var(--pending); }
.state-handed_off { background: var(--done); } .state-ended { background: var(--ended); }
.action-HANDOFF { color: var(--bad); font-weight: 600; } .action-CONTINUE_BOT { color: var(--bot); }
.bad { color: var(--bad); font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 16px; }
svg.chart { width: 100%; max-width: 720px; height: auto; background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
svg.chart .axis { stroke: var(--line); } svg.chart .threshold { stroke: var(--bad); stroke-dasharray: 5 4; }
svg.chart .line { fill: none; stroke: var(--accent); stroke-width: 2; }
svg.chart circle { fill: var(--accent); } svg.chart circle.below { fill: var(--bad); }
svg.chart text { font-size: 11px; fill: var(--muted); }
.counters { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 16px; }
.counter .value { font-size: 30px; font-weight: 600; font-variant-numeric: tabular-nums; }
.counter .label { color: var(--muted); }
.login-box { max-width: 380px; margin: 80px auto; }
form.login label { display: block; margin-bottom: 6px; }
form.login input { width: 100%; padding: 7px 9px; margin-bottom: 12px; border: 1px solid var(--line); border-radius: 4px; }
.error { color: var(--bad); margin: 0 0 12px; }
`

// Polls the counters' JSON and writes numbers with textContent only; stops on sign-out.
const JS = `(function () {
  'use strict'
  var root = document.querySelector('[data-live-url]')
  if (!root) return
  var url = root.getAttribute('data-live-url')
  var every = Number(root.getAttribute('data-refresh-ms')) || 5000
  var status = document.querySelector('[data-live-status]')
  function show (name, value) {
    var el = root.querySelector('[data-counter="' + name + '"]')
    if (!el) return
    var kind = el.getAttribute('data-format')
    if (kind === 'percent') el.textContent = value === null ? '\\u2013' : (value * 100).toFixed(1) + ' %'
    else if (kind === 'rate') el.textContent = Number(value).toFixed(1)
    else el.textContent = String(value)
  }
  function tick () {
    fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) {
        if (res.status === 401) { window.location.assign('/console/login'); throw new Error('signed out') }
        if (!res.ok) throw new Error('status ' + res.status)
        return res.json()
      })
      .then(function (data) {
        Object.keys(data.counters).forEach(function (name) { show(name, data.counters[name]) })
        if (status) status.textContent = 'Updated ' + new Date(data.at).toLocaleTimeString() + ', averaged over the last ' + data.windowSeconds + ' s'
        setTimeout(tick, every)
      })
      .catch(function (err) {
        if (status) status.textContent = 'Not updated (' + err.message + '); trying again'
        if (err.message !== 'signed out') setTimeout(tick, every)
      })
  }
  setTimeout(tick, every)
})()
`

const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#14213d"/><path d="M8 11h10M8 16h16M8 21h7" stroke="#fff" stroke-width="3" stroke-linecap="round"/><circle cx="23" cy="22" r="4" fill="#4ea1ff"/></svg>'

export interface Asset {
  /** content-hashed file name */
  name: string
  type: string
  body: string
}

function asset (base: string, ext: string, type: string, body: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12)
  return { name: `${base}.${hash}.${ext}`, type, body }
}

export const STYLE = asset('console', 'css', 'text/css; charset=utf-8', CSS)
export const SCRIPT = asset('console', 'js', 'text/javascript; charset=utf-8', JS)
export const ICON_ASSET = asset('console', 'svg', 'image/svg+xml', ICON)
export const ASSETS: readonly Asset[] = [STYLE, SCRIPT, ICON_ASSET]
