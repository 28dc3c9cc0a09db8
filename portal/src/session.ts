// The signed-in session. The access token lives in memory only; the refresh token is kept in
// this tab's sessionStorage so a reload does not sign the user out (closing the tab does).
// Renewal goes through `tokenRefresh` (which rotates the refresh token); concurrent callers
// share one request. When renewal fails the session ends and `onExpired` listeners run (the
// app returns to sign-in, keeping the page to come back to).

const STORAGE_KEY = 'fleet.portal.refresh';
const ENDPOINT = '/graphql';
// Renew a little before the access token's expiry rather than after a refusal.
const EARLY_MS = 10_000;

const TOKEN_REFRESH = `mutation PortalTokenRefresh($input: TokenRefreshInput!) {
  tokenRefresh(input: $input) {
    __typename
    ... on AuthPayload { accessToken accessTokenExpiresAt refreshToken }
  }
}`;

const LOGOUT = `mutation PortalLogout($input: LogoutInput!) {
  logout(input: $input) { __typename }
}`;

export interface Tokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
}

type Listener = () => void;

class Session {
  private accessToken: string | null = null;
  private expiresAt = 0;
  private refreshing: Promise<string | null> | null = null;
  private readonly changeListeners = new Set<Listener>();
  private readonly expiredListeners = new Set<Listener>();

  get refreshToken(): string | null {
    try {
      return sessionStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  }

  private set refreshTokenValue(value: string | null) {
    try {
      if (value === null) sessionStorage.removeItem(STORAGE_KEY);
      else sessionStorage.setItem(STORAGE_KEY, value);
    } catch {
      // storage disabled: the session lasts as long as the access token
    }
  }

  /** Signed in, or able to renew without asking the user. */
  get active(): boolean {
    return this.accessToken !== null || this.refreshToken !== null;
  }

  start(tokens: Tokens): void {
    this.accessToken = tokens.accessToken;
    this.expiresAt = Date.parse(tokens.accessTokenExpiresAt);
    this.refreshTokenValue = tokens.refreshToken;
    this.emit(this.changeListeners);
  }

  /** Forget the tokens here (after a sign-out, or when the server refuses them). */
  clear(): void {
    const had = this.active;
    this.accessToken = null;
    this.expiresAt = 0;
    this.refreshTokenValue = null;
    if (had) this.emit(this.changeListeners);
  }

  /** The server ended the session: forget it and tell the app. */
  expire(): void {
    this.clear();
    this.emit(this.expiredListeners);
  }

  /** An access token good for the next request: the current one, or a renewed one. */
  async validAccessToken(): Promise<string | null> {
    if (this.accessToken !== null && Date.now() < this.expiresAt - EARLY_MS) {
      return this.accessToken;
    }
    if (this.refreshToken === null) return this.accessToken;
    return this.renew();
  }

  /** Renew once (shared by every caller waiting at the same time); null when refused (the
   * session has then ended) or when the server could not be reached (it goes on). */
  renew(): Promise<string | null> {
    this.refreshing ??= this.sendRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async sendRefresh(): Promise<string | null> {
    const refreshToken = this.refreshToken;
    if (refreshToken === null) {
      this.expire(); // nothing to renew with: the access token was refused or ran out
      return null;
    }
    let answer: { data?: { tokenRefresh?: { __typename: string } & Partial<Tokens> } };
    try {
      const response = await fetch(ENDPOINT, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: TOKEN_REFRESH, variables: { input: { refreshToken } } }),
      });
      answer = await response.json();
    } catch {
      return null; // offline: keep the refresh token for the next try
    }
    const result = answer.data?.tokenRefresh;
    if (result?.__typename !== 'AuthPayload' || !result.accessToken) {
      this.expire();
      return null;
    }
    this.accessToken = result.accessToken;
    this.expiresAt = Date.parse(result.accessTokenExpiresAt ?? '');
    this.refreshTokenValue = result.refreshToken ?? null;
    return this.accessToken;
  }

  /** Ends the session on the server (best effort) and here. */
  async signOut(): Promise<void> {
    const refreshToken = this.refreshToken;
    this.clear();
    if (refreshToken === null) return;
    try {
      await fetch(ENDPOINT, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: LOGOUT, variables: { input: { refreshToken } } }),
      });
    } catch {
      // the refresh token expires by itself
    }
  }

  onChange(listener: Listener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onExpired(listener: Listener): () => void {
    this.expiredListeners.add(listener);
    return () => this.expiredListeners.delete(listener);
  }

  private emit(listeners: Set<Listener>): void {
    for (const listener of [...listeners]) listener();
  }
}

export const session = new Session();
