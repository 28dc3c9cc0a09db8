import { ApolloClient, ApolloLink, gql, InMemoryCache } from '@apollo/client';
import { of } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authLink, wsUrl } from './apollo';
import { session } from './session';

const ME = gql`
  query Me {
    me {
      id
    }
  }
`;
const LATER = new Date(Date.now() + 3_600_000).toISOString();
const UNAUTHENTICATED = { errors: [{ message: 'Sign in', extensions: { code: 'UNAUTHENTICATED' } }] };
const ME_ANSWER = { data: { me: { __typename: 'User', id: 'VXNlcjox' } } };

/** A server that refuses the first `refusals` requests as UNAUTHENTICATED; the tokens it saw. */
function server(refusals: number) {
  const seen: (string | undefined)[] = [];
  const link = new ApolloLink((operation) => {
    seen.push(operation.getContext()['headers']?.authorization);
    return of(seen.length <= refusals ? UNAUTHENTICATED : ME_ANSWER);
  });
  const client = new ApolloClient({ link: ApolloLink.from([authLink, link]), cache: new InMemoryCache() });
  return { client, seen };
}

function refreshAnswers(answer: unknown) {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify(answer)));
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

afterEach(() => {
  vi.unstubAllGlobals();
  session.clear();
});

describe('the session link', () => {
  it('renews once on UNAUTHENTICATED and sends the request again with the new token', async () => {
    session.start({ accessToken: 'old', accessTokenExpiresAt: LATER, refreshToken: 'r1' });
    const fetchMock = refreshAnswers({
      data: { tokenRefresh: { __typename: 'AuthPayload', accessToken: 'new', accessTokenExpiresAt: LATER, refreshToken: 'r2' } },
    });
    const { client, seen } = server(1);
    const { data } = await client.query({ query: ME });
    expect(data).toEqual(ME_ANSWER.data);
    expect(seen).toEqual(['Bearer old', 'Bearer new']);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const sent = JSON.parse(String((fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1].body));
    expect(sent.variables).toEqual({ input: { refreshToken: 'r1' } });
    expect(sessionStorage.getItem('fleet.portal.refresh')).toBe('r2'); // rotated
  });

  it('ends the session when renewal is refused, without trying again', async () => {
    session.start({ accessToken: 'old', accessTokenExpiresAt: LATER, refreshToken: 'r1' });
    const fetchMock = refreshAnswers({
      data: { tokenRefresh: { __typename: 'InvalidTokenError', code: 'INVALID_TOKEN', field: null, message: 'x' } },
    });
    const expired = vi.fn();
    const stop = session.onExpired(expired);
    const { client, seen } = server(5);
    await expect(client.query({ query: ME })).rejects.toThrow('Sign in');
    stop();
    expect(seen).toEqual(['Bearer old']);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(session.active).toBe(false);
    expect(sessionStorage.getItem('fleet.portal.refresh')).toBeNull();
  });

  it('renews before sending when the access token is about to expire, once for concurrent requests', async () => {
    session.start({ accessToken: 'old', accessTokenExpiresAt: new Date(Date.now() + 1_000).toISOString(), refreshToken: 'r1' });
    const fetchMock = refreshAnswers({
      data: { tokenRefresh: { __typename: 'AuthPayload', accessToken: 'new', accessTokenExpiresAt: LATER, refreshToken: 'r2' } },
    });
    const { client, seen } = server(0);
    await Promise.all([client.query({ query: ME }), client.query({ query: ME, fetchPolicy: 'network-only' })]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(new Set(seen)).toEqual(new Set(['Bearer new']));
  });
});

describe('the WebSocket', () => {
  it('goes to /graphql on the page’s own host, secure when the page is', () => {
    expect(wsUrl({ protocol: 'http:', host: '127.0.0.1:8000' })).toBe('ws://127.0.0.1:8000/graphql');
    expect(wsUrl({ protocol: 'https:', host: 'fleet.example' })).toBe('wss://fleet.example/graphql');
  });
});
