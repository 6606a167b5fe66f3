// The page shell every console page shares: no inline script or style, so the strict Content-Security-Policy
// (script-src 'self', style-src 'self') holds.
import { ICON_ASSET, SCRIPT, STYLE } from './assets.js'
import { html, type SafeHtml } from './html.js'

export const CONSOLE_PREFIX = '/console'
export const ASSET_PATH = `${CONSOLE_PREFIX}/assets`

export type Section = 'conversations' | 'live' | 'login'

export interface PageOptions {
  title: string
  section: Section
  body: SafeHtml
}

function navLink (href: string, label: string, current: boolean): SafeHtml {
  return html`<a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a>`
}

export function page (opts: PageOptions): SafeHtml {
  const signedIn = opts.section !== 'login'
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${opts.title} · Handoff console</title>
<link rel="icon" type="image/svg+xml" href="${ASSET_PATH}/${ICON_ASSET.name}">
<link rel="stylesheet" href="${ASSET_PATH}/${STYLE.name}">
<script src="${ASSET_PATH}/${SCRIPT.name}" defer></script>
</head>
<body>
<header class="top">
<span class="brand">Handoff console</span>
${signedIn
  ? html`<nav>${navLink(CONSOLE_PREFIX, 'Conversations', opts.section === 'conversations')}${navLink(`${CONSOLE_PREFIX}/live`, 'Live counters', opts.section === 'live')}</nav>
<form method="post" action="${CONSOLE_PREFIX}/logout"><button type="submit">Sign out</button></form>`
  : ''}
</header>
<main>
${opts.body}
</main>
</body>
</html>
`
}

/** A page for an error the operator should read (the message is escaped like everything else). */
export function errorPage (statusCode: number, title: string, message: string, signedIn: boolean): SafeHtml {
  return page({
    title,
    section: signedIn ? 'conversations' : 'login',
    body: html`<h1>${title}</h1><p class="error">${message}</p><p><a href="${CONSOLE_PREFIX}">Back to the conversations</a> <span class="muted">(status ${statusCode})</span></p>`
  })
}
