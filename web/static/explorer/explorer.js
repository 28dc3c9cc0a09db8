// The explorer page: a sign-in bar and a GraphiQL whose fetcher carries the signed-in user's
// access token and renews it with `tokenRefresh` before it expires (and once more if the
// server answers UNAUTHENTICATED), so an administrator never copies a token by hand.
//
// The session lives in sessionStorage: it survives a reload of this tab, is not shared with
// other tabs and ends with the tab. Served from the server itself under a strict CSP (no
// inline script, nothing from another origin).
(() => {
  'use strict';

  const config = JSON.parse(document.getElementById('explorer-config').textContent);
  const endpoint = new URL(config.endpoint, window.location.href).toString();
  const STORE = 'fleet.explorer.session';
  const RENEW_BEFORE_MS = 60_000; // renew a minute before the access token expires
  const MIN_RENEW_DELAY_MS = 5_000;

  const AUTH_FIELDS = `__typename
    ... on AuthPayload { accessToken accessTokenExpiresAt refreshToken user { email role } }
    ... on Error { code message }`;
  const LOGIN = `mutation ExplorerSignIn($input: LoginInput!) {
    login(input: $input) { ${AUTH_FIELDS} ... on LoginThrottledError { retryAfterSeconds } } }`;
  const REFRESH = `mutation ExplorerRefresh($input: TokenRefreshInput!) {
    tokenRefresh(input: $input) { ${AUTH_FIELDS} } }`;
  const LOGOUT = `mutation ExplorerSignOut($input: LogoutInput!) {
    logout(input: $input) { __typename } }`;

  let session = readSession();
  let renewal = null; // the refresh in flight, shared by every caller
  let timer = null;

  function readSession() {
    try {
      return JSON.parse(window.sessionStorage.getItem(STORE)) || null;
    } catch {
      return null;
    }
  }

  function keep(payload) {
    session = {
      accessToken: payload.accessToken,
      expiresAt: Date.parse(payload.accessTokenExpiresAt),
      refreshToken: payload.refreshToken,
      email: payload.user.email,
      role: payload.user.role,
    };
    window.sessionStorage.setItem(STORE, JSON.stringify(session));
    schedule();
    render();
  }

  function forget(message) {
    session = null;
    window.sessionStorage.removeItem(STORE);
    window.clearTimeout(timer);
    render(message);
  }

  async function post(query, variables, headers = {}) {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
    });
    return response.json();
  }

  async function signIn(email, password) {
    const result = await post(LOGIN, { input: { email, password } });
    const payload = result.data && result.data.login;
    if (payload && payload.__typename === 'AuthPayload') {
      keep(payload);
      return;
    }
    const error = payload || (result.errors && result.errors[0]) || { message: 'Sign-in failed' };
    const wait = payload && payload.retryAfterSeconds ? ` (retry in ${payload.retryAfterSeconds} s)` : '';
    render(`${error.message}${wait}`, true);
  }

  function renew() {
    if (renewal === null) {
      renewal = (async () => {
        if (!session) return;
        const result = await post(REFRESH, { input: { refreshToken: session.refreshToken } });
        const payload = result.data && result.data.tokenRefresh;
        if (payload && payload.__typename === 'AuthPayload') keep(payload);
        else forget('Your session ended: sign in again');
      })().finally(() => {
        renewal = null;
      });
    }
    return renewal;
  }

  function schedule() {
    window.clearTimeout(timer);
    if (!session) return;
    const delay = Math.max(session.expiresAt - Date.now() - RENEW_BEFORE_MS, MIN_RENEW_DELAY_MS);
    timer = window.setTimeout(renew, delay);
  }

  async function signOut() {
    const current = session;
    forget('Signed out');
    if (current) await post(LOGOUT, { input: { refreshToken: current.refreshToken } });
  }

  const unauthenticated = (result) =>
    Array.isArray(result.errors) &&
    result.errors.some((e) => e.extensions && e.extensions.code === 'UNAUTHENTICATED');

  // GraphiQL's fetcher. A header typed in the Headers tab wins over the signed-in token.
  async function fetcher(params, options = {}) {
    const typed = options.headers || {};
    const ownAuth = Object.keys(typed).some((name) => name.toLowerCase() === 'authorization');
    if (session && !ownAuth && session.expiresAt - Date.now() < RENEW_BEFORE_MS) await renew();
    const send = () =>
      post(params.query, params.variables, {
        ...(session && !ownAuth ? { authorization: `Bearer ${session.accessToken}` } : {}),
        ...typed,
      });
    let result = await send();
    if (session && !ownAuth && unauthenticated(result)) {
      await renew();
      if (session) result = await send();
    }
    return result;
  }

  const form = document.getElementById('signin-form');
  const email = document.getElementById('signin-email');
  const password = document.getElementById('signin-password');
  const user = document.getElementById('signin-user');
  const signout = document.getElementById('signout');
  const status = document.getElementById('signin-status');

  function render(message = '', isError = false) {
    form.hidden = Boolean(session);
    user.hidden = signout.hidden = !session;
    user.textContent = session ? `Signed in as ${session.email} (${session.role})` : '';
    status.textContent = message || (session ? 'the token renews itself' : '');
    status.classList.toggle('error', isError);
  }

  email.value = config.email;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const secret = password.value;
    password.value = '';
    render('Signing in…');
    signIn(email.value.trim(), secret).catch((error) => render(String(error), true));
  });
  signout.addEventListener('click', () => {
    signOut().catch(() => {});
  });
  schedule();
  render();

  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: config.welcome,
      defaultEditorToolsVisibility: true,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false, // never a token in localStorage
    }),
  );
})();
