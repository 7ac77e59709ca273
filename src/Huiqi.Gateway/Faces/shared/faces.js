// What both faces (/app/, /console/) share: escaping templates, the JSON routes with their failures in words, and
// sign-in (Development: the dev token route; elsewhere OpenID Connect, authorization code + PKCE). docs/app.md.

// ---------- rendering ----------
export const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
class Raw { constructor(s) { this.s = s; } }
export const raw = (s) => new Raw(s);
/** A template whose interpolations are escaped (arrays joined), unless they are raw() or another html``. */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => {
    const piece = Array.isArray(v) ? v.map((x) => (x instanceof Raw ? x.s : esc(x))).join('') : v instanceof Raw ? v.s : esc(v);
    out += piece + strings[i + 1];
  });
  return raw(out);
}
/** Money as the platform writes it (Money.Format): 万元 from 1万元 when a whole hundred 元, else exact 元. */
export const yuan = (fen) => {
  if (fen == null) return '';
  if (Math.abs(fen) >= 1000000 && fen % 10000 === 0) return `${(fen / 1000000).toLocaleString('zh-CN', { maximumFractionDigits: 2 })}万元`;
  return `${(fen / 100).toLocaleString('zh-CN', { maximumFractionDigits: 2 })}元`;
};

// ---------- a page: one <main>, one toast ----------
/**
 * A page's screen changer: show(content, title) puts a screen into main, names the tab ("title · site") and moves
 * focus to its h1 (screen readers announce the new screen); toast(text) says something for 5 s in the live region.
 */
export function page(site) {
  const main = document.getElementById('main');
  const toastBox = document.getElementById('toast');
  let timer;
  return {
    main,
    show(content, title) {
      main.innerHTML = content.s;
      main.setAttribute('aria-busy', 'false');
      document.title = `${title} · ${site}`;
      const target = main.querySelector('h1') ?? main;
      target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: false });
    },
    loading() {
      main.setAttribute('aria-busy', 'true');
      main.innerHTML = '<p class="loading">正在加载…</p>'; // the last screen is gone: nothing on it can be used meanwhile
    },
    toast(text) {
      toastBox.textContent = text;
      toastBox.classList.add('show');
      clearTimeout(timer);
      timer = setTimeout(() => toastBox.classList.remove('show'), 5000);
    },
  };
}

// ---------- the session ----------
const TOKEN_KEY = 'huiqi.token';
const PKCE_KEY = 'huiqi.pkce';
export const session = {
  token: sessionStorage.getItem(TOKEN_KEY),
  set(token) { this.token = token; sessionStorage.setItem(TOKEN_KEY, token); },
  clear() { this.token = null; sessionStorage.removeItem(TOKEN_KEY); },
};

// ---------- the JSON routes ----------
export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `错误 ${status}`);
    this.status = status;
    this.errors = body?.errors ?? [];
  }
}
function offline() {
  const p = new Problem(0, { detail: '网络已断开，请检查网络后重试。' });
  p.offline = true;
  return p;
}
/** A JSON route: 401 clears the session, 429 says how long to wait, 5xx and offline are said in words. */
export async function api(path, { method = 'GET', body } = {}) {
  if (!navigator.onLine) throw offline();
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw offline();
  }
  if (response.status === 401) {
    session.clear();
    throw new Problem(401, { detail: '登录已过期或未登录，请重新登录。' });
  }
  if (response.status === 429) {
    const wait = Number(response.headers.get('retry-after')) || 10;
    throw new Problem(429, { detail: `操作太频繁了，请 ${wait} 秒后再试。` });
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    if (response.status >= 500) throw new Problem(response.status, { detail: '服务暂时不可用，请稍后再试。' });
    throw new Problem(response.status, json);
  }
  return json;
}

// ---------- sign-in ----------
export let config = { authority: null, clientId: 'huiqi-app', devSignIn: false };
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomText = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
const redirectUri = () => `${location.origin}${location.pathname}`;
async function discovery() {
  const response = await fetch(`${config.authority.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error('discovery');
  return response.json();
}
/** Off to the identity provider; it comes back to this page with ?code=&state=. */
export async function startOidc() {
  const oidc = await discovery();
  const verifier = randomText();
  const state = randomText();
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  const query = new URLSearchParams({
    response_type: 'code', client_id: config.clientId, redirect_uri: redirectUri(), scope: 'openid', state,
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(`${oidc.authorization_endpoint}?${query}`);
}
async function finishOidc(params, pending) {
  const code = params.get('code');
  const error = params.get('error');
  if (error || !code) return '登录未完成，请重试。';
  const oidc = await discovery();
  const response = await fetch(oidc.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), client_id: config.clientId, code_verifier: pending.verifier }),
  });
  if (!response.ok) return '登录未完成，请重试。';
  session.set((await response.json()).access_token);
  return null;
}
/**
 * Signs in from what the address carries: the provider's answer (?code=&state=, checked against this tab's state), or
 * in Development the page's dev parameters (devBody turns them into a POST /v1/dev/token body, or null). Returns
 * { signedIn, problem } and leaves the address without those parameters.
 */
export async function signIn(devBody) {
  try {
    config = await (await fetch(`${location.pathname.replace(/[^/]*$/, '')}config.json`)).json();
  } catch {
    // offline at start: the sign-in page says so when it is needed
  }
  const params = new URLSearchParams(location.search);
  let problem = null;
  let hash = location.hash;
  if (params.has('code') || params.has('error')) {
    const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null');
    sessionStorage.removeItem(PKCE_KEY);
    if (!pending || params.get('state') !== pending.state) {
      problem = '登录未完成，请重试。';
    } else {
      hash = pending.hash || hash;
      try { problem = await finishOidc(params, pending); } catch { problem = '暂时无法连接统一身份认证，请稍后再试。'; }
    }
    for (const p of ['code', 'state', 'error', 'error_description', 'session_state', 'iss']) params.delete(p);
  }
  const body = devBody(params);
  if (body) {
    // Development only (API.md): elsewhere the route does not exist (404) and nothing happens.
    const response = await fetch('/v1/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.ok) session.set((await response.json()).token);
  }
  for (const p of ['dev-uscc', 'dev-jurisdiction', 'dev-role']) params.delete(p);
  history.replaceState(null, '', location.pathname + (params.size ? `?${params}` : '') + hash);
  return { signedIn: Boolean(session.token), problem };
}
