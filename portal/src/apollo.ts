// The Apollo Client: queries and mutations over HTTP to /graphql, subscriptions over graphql-ws
// on the same path. Every request carries the access token; a request answered UNAUTHENTICATED
// renews the token once and is sent again, and when renewal fails the session ends.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import type { FormattedExecutionResult } from 'graphql';
import { OperationTypeNode } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { from, mergeMap, Observable } from 'rxjs';
import generated from './gql/possibleTypes';
import { session } from './session';

export function unauthenticated(result: FormattedExecutionResult): boolean {
  return (result.errors ?? []).some((error) => error.extensions?.['code'] === 'UNAUTHENTICATED');
}

/** Every connection field, paged by cursor; the arguments that are not paging make the key. */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    possibleTypes: generated.possibleTypes,
    typePolicies: {
      Query: {
        fields: {
          companyTree: relayStylePagination(['rootId', 'maxDepth', 'includeArchived']),
          companies: relayStylePagination(['search', 'includeArchived']),
          users: relayStylePagination(['companyId', 'includeDescendants', 'role', 'active']),
          invitations: relayStylePagination(['companyId', 'status']),
          accounts: relayStylePagination(['status', 'companyId']),
          applications: relayStylePagination(['status', 'accountId']),
          applicationQueue: relayStylePagination(['status']),
          devices: relayStylePagination(['companyId', 'includeDescendants', 'status', 'accountId']),
          ledgerEntries: relayStylePagination(['companyId', 'kinds', 'since', 'until']),
          auditEvents: relayStylePagination([
            'companyId',
            'includeDescendants',
            'actorId',
            'actions',
            'targetId',
            'since',
            'until',
          ]),
        },
      },
      Company: {
        fields: {
          children: relayStylePagination(['includeArchived']),
          descendants: relayStylePagination(['maxDepth', 'includeArchived']),
        },
      },
    },
  });
}

function withToken(operation: ApolloLink.Operation, token: string | null): void {
  operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
    headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers,
  }));
}

/** Adds the token; on UNAUTHENTICATED renews it once and retries, else ends the session. */
export const authLink = new ApolloLink((operation, forward) =>
  from(session.validAccessToken()).pipe(
    mergeMap((token) => {
      withToken(operation, token);
      return forward(operation).pipe(
        mergeMap((result): Observable<ApolloLink.Result> => {
          if (!unauthenticated(result)) return from([result]);
          if (token === null && !session.active) return from([result]);
          return from(session.renew()).pipe(
            mergeMap((renewed) => {
              if (renewed === null) return from([result]); // refused (session ended) or offline
              withToken(operation, renewed);
              return forward(operation);
            }),
          );
        }),
      );
    }),
  ),
);

export function wsUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
}

/** graphql-ws, connecting on the first subscription; closed when the session changes, so
 * the next subscription connects again with the new user's token. */
export function createWsClient(): WsClient {
  const client = createClient({
    url: wsUrl(window.location),
    lazy: true,
    connectionParams: async () => {
      const token = await session.validAccessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });
  session.onChange(() => client.terminate());
  return client;
}

export function createApolloClient(): ApolloClient {
  const http = new HttpLink({ uri: '/graphql' });
  const ws = new GraphQLWsLink(createWsClient());
  const transport = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return (
        definition.kind === 'OperationDefinition' &&
        definition.operation === OperationTypeNode.SUBSCRIPTION
      );
    },
    ws,
    ApolloLink.from([authLink, http]),
  );
  return new ApolloClient({
    link: transport,
    cache: createCache(),
    defaultOptions: {
      // Each screen asks the server once when it opens (and shows what the cache has meanwhile).
      watchQuery: { fetchPolicy: 'cache-and-network', nextFetchPolicy: 'cache-first' },
    },
  });
}
