import { graphql, useMutation, usePaginationFragment } from 'react-relay';
import type { ApplicationQueueDecideMutation } from './__generated__/ApplicationQueueDecideMutation.graphql';
import type { ApplicationQueue_query$key } from './__generated__/ApplicationQueue_query.graphql';

// The approver's queue: what waits for a decision, oldest first; approving answers the
// application (its new status) or a typed error such as APPLICATION_DECIDED.
export function ApplicationQueue({ query }: { query: ApplicationQueue_query$key }) {
  const { data, loadNext } = usePaginationFragment(
    graphql`
      fragment ApplicationQueue_query on Query
      @refetchable(queryName: "ApplicationQueuePaginationQuery")
      @argumentDefinitions(
        status: { type: "ApplicationStatus", defaultValue: PENDING }
        first: { type: "Int", defaultValue: 20 }
        after: { type: "String" }
        last: { type: "Int" }
        before: { type: "String" }
      ) {
        applicationQueue(status: $status, first: $first, after: $after, last: $last, before: $before)
          @connection(key: "ApplicationQueue_applicationQueue", filters: ["status"]) {
          edges {
            node {
              id
              kind
              status
              requestedAt
              decidedAt
              reason
              company {
                id
                name
              }
              account {
                id
                name
                customerName
                status
                license {
                  code
                  name
                }
              }
              targetAccount {
                id
                name
              }
            }
          }
        }
      }
    `,
    query,
  );
  const [approve] = useMutation<ApplicationQueueDecideMutation>(graphql`
    mutation ApplicationQueueDecideMutation($input: ApplicationApproveInput!) {
      applicationApprove(input: $input) {
        __typename
        ... on ApplicationPayload {
          application {
            id
            status
            decidedAt
            account {
              id
              status
              expiresAt
            }
          }
        }
        ... on Error {
          code
          message
        }
      }
    }
  `);
  return { rows: data.applicationQueue.edges.map((edge) => edge.node), more: () => loadNext(20), approve };
}

export const queueQuery = graphql`
  query ApplicationQueueQuery {
    ...ApplicationQueue_query
  }
`;
