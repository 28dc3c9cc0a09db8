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

  // Whether GraphiQL runs a subscription: the named operation, else the document's first.
  function isSubscription(params) {
    const source = params.query.replace(/#[^\n]*/g, '');
    const name = params.operationName;
    const pattern = name ? new RegExp(`\\bsubscription\\s+${name}\\b`) : /^\s*subscription\b/;
    return pattern.test(source);
  }

  // A subscription over graphql-transport-ws (the server speaks only it), the token in
  // connection_init's payload. GraphiQL reads the async iterator; its stop button calls
  // return(), which completes the subscription and closes the socket.
  function subscribe(params, authorization) {
    const url = new URL(endpoint);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const queue = [];
    let wake = null;
    const push = (item) => {
      queue.push(item);
      if (wake) wake();
    };
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const send = (message) => socket.send(JSON.stringify(message));
    socket.onopen = () =>
      send({ type: 'connection_init', payload: authorization ? { authorization } : {} });
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'connection_ack') {
        const { query, variables, operationName } = params;
        send({ id: '1', type: 'subscribe', payload: { query, variables, operationName } });
      } else if (message.type === 'ping') send({ type: 'pong' });
      else if (message.type === 'next') push({ value: message.payload });
      else if (message.type === 'error') push({ value: { errors: message.payload }, last: true });
      else if (message.type === 'complete') push({ last: true });
    };
    socket.onclose = (event) => {
      const reason = `The server closed the subscription (${event.code}${event.reason ? `: ${event.reason}` : ''})`;
      push(event.code === 1000 ? { last: true } : { value: { errors: [{ message: reason }] }, last: true });
    };
    let finished = false;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (!finished) {
          const item = queue.shift();
          if (item === undefined) {
            await new Promise((resolve) => (wake = resolve));
            wake = null;
            continue;
          }
          if (item.last) finished = true;
          if (item.value !== undefined) return { done: false, value: item.value };
        }
        if (socket.readyState === WebSocket.OPEN) socket.close(1000);
        return { done: true, value: undefined };
      },
      async return() {
        finished = true;
        if (socket.readyState === WebSocket.OPEN) {
          send({ id: '1', type: 'complete' });
          socket.close(1000);
        }
        return { done: true, value: undefined };
      },
    };
  }

  // GraphiQL's fetcher. A header typed in the Headers tab wins over the signed-in token.
  async function fetcher(params, options = {}) {
    const typed = options.headers || {};
    const ownAuth = Object.keys(typed).some((name) => name.toLowerCase() === 'authorization');
    if (session && !ownAuth && session.expiresAt - Date.now() < RENEW_BEFORE_MS) await renew();
    if (isSubscription(params)) {
      const own = Object.entries(typed).find(([name]) => name.toLowerCase() === 'authorization');
      return subscribe(params, own ? own[1] : session ? `Bearer ${session.accessToken}` : null);
    }
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
