import { graphql, usePaginationFragment } from 'react-relay';
import type { LedgerList_query$key } from './__generated__/LedgerList_query.graphql';

// A company's credit ledger, newest first, filtered by kind; pages both ways like devices.
export function LedgerList({ query }: { query: LedgerList_query$key }) {
  const { data, loadNext, loadPrevious, refetch } = usePaginationFragment(
    graphql`
      fragment LedgerList_query on Query
      @refetchable(queryName: "LedgerListPaginationQuery")
      @argumentDefinitions(
        companyId: { type: "ID!" }
        kinds: { type: "[EntryKind!]" }
        since: { type: "DateTime" }
        first: { type: "Int", defaultValue: 50 }
        after: { type: "String" }
        last: { type: "Int" }
        before: { type: "String" }
      ) {
        ledgerEntries(
          companyId: $companyId
          kinds: $kinds
          since: $since
          first: $first
          after: $after
          last: $last
          before: $before
        ) @connection(key: "LedgerList_ledgerEntries", filters: ["companyId", "kinds", "since"]) {
          edges {
            node {
              id
              kind
              amount
              balanceAfter
              createdAt
              reason
              reference
              actor {
                id
                name
              }
              device {
                id
                name
                serialNumber
              }
            }
          }
        }
      }
    `,
    query,
  );
  return {
    entries: data.ledgerEntries.edges.map((edge) => edge.node),
    older: () => loadNext(50),
    newer: () => loadPrevious(50),
    grantsOnly: () => refetch({ kinds: ['GRANT'] }),
  };
}

export const ledgerQuery = graphql`
  query LedgerListQuery($companyId: ID!) {
    company(id: $companyId) {
      id
      name
      creditBalance
    }
    ...LedgerList_query @arguments(companyId: $companyId)
  }
`;

export const grantMutation = graphql`
  mutation LedgerListGrantMutation($input: CreditGrantInput!, $connections: [ID!]!) {
    creditGrant(input: $input) {
      __typename
      ... on CreditGrantPayload {
        entry @prependNode(connections: $connections, edgeTypeName: "LedgerEntryEdge") {
          id
          kind
          amount
          balanceAfter
          createdAt
          reason
          reference
          company {
            id
            creditBalance
          }
        }
      }
      ... on Error {
        code
        field
        message
      }
      ... on ValidationError {
        minimum
        maximum
      }
    }
  }
`;
