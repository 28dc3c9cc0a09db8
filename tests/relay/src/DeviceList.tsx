import { graphql, useLazyLoadQuery, usePaginationFragment } from 'react-relay';
import type { DeviceListQuery } from './__generated__/DeviceListQuery.graphql';
import type { DeviceList_query$key } from './__generated__/DeviceList_query.graphql';
import { DeviceRow } from './DeviceRow';

// The devices page: a window on the fleet that pages both ways (the user scrolls down,
// then back up past where the page was opened from a deep link with `before`).
export function DeviceListPage(props: { companyId: string | null; before: string | null }) {
  const data = useLazyLoadQuery<DeviceListQuery>(
    graphql`
      query DeviceListQuery(
        $companyId: ID
        $status: DeviceStatus
        $first: Int
        $last: Int
        $before: String
      ) {
        ...DeviceList_query
          @arguments(companyId: $companyId, status: $status, first: $first, last: $last, before: $before)
      }
    `,
    // Opened at a cursor: the 25 rows before it (first and last together are refused).
    props.before
      ? { companyId: props.companyId, status: null, first: null, last: 25, before: props.before }
      : { companyId: props.companyId, status: null, first: 25, last: null, before: null },
  );
  return DeviceList({ query: data });
}

export function DeviceList({ query }: { query: DeviceList_query$key }) {
  const { data, loadNext, loadPrevious, hasNext, hasPrevious, refetch } = usePaginationFragment(
    graphql`
      fragment DeviceList_query on Query
      @refetchable(queryName: "DeviceListPaginationQuery")
      @argumentDefinitions(
        companyId: { type: "ID" }
        status: { type: "DeviceStatus" }
        first: { type: "Int", defaultValue: 25 }
        after: { type: "String" }
        last: { type: "Int" }
        before: { type: "String" }
      ) {
        devices(
          companyId: $companyId
          status: $status
          first: $first
          after: $after
          last: $last
          before: $before
        ) @connection(key: "DeviceList_devices", filters: ["companyId", "status"]) {
          __id
          edges {
            node {
              id
              ...DeviceRow_device
            }
          }
        }
      }
    `,
    query,
  );
  return {
    rows: data.devices.edges.map((edge) => DeviceRow({ device: edge.node })),
    connection: data.devices.__id,
    older: () => hasNext && loadNext(25),
    newer: () => hasPrevious && loadPrevious(25),
    onlySuspended: () => refetch({ status: 'SUSPENDED' }),
  };
}
