import { html, type SafeHtml } from './html.js'
import { CONSOLE_PREFIX, page } from './layout.js'

/** The sign-in form: posts the operator token (ADMIN_TOKEN) form-encoded to /console/login. */
export function loginPage (error?: string): SafeHtml {
  return page({
    title: 'Sign in',
    section: 'login',
    body: html`<div class="login-box card">
<h1>Sign in</h1>
${error !== undefined ? html`<p class="error" role="alert">${error}</p>` : ''}
<form class="login" method="post" action="${CONSOLE_PREFIX}/login">
<label for="token">Operator token</label>
<input id="token" name="token" type="password" autocomplete="off" required maxlength="1000" autofocus>
<button type="submit">Sign in</button>
</form>
<p class="muted">The token is the service's ADMIN_TOKEN. The session lasts 8 hours.</p>
</div>`
  })
}
