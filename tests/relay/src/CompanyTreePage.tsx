import { graphql, useFragment, useLazyLoadQuery, usePaginationFragment } from 'react-relay';
import type { CompanyTreePageQuery } from './__generated__/CompanyTreePageQuery.graphql';
import type { CompanyTreePage_header$key } from './__generated__/CompanyTreePage_header.graphql';
import type { CompanyTreePage_tree$key } from './__generated__/CompanyTreePage_tree.graphql';

// The company tree in one pass: rows come depth-first with their depth, so the page
// indents by `depth`; a huge tree loads in slices. The header refetches one company by id.
export function CompanyTreePage(props: { rootId: string | null }) {
  const data = useLazyLoadQuery<CompanyTreePageQuery>(
    graphql`
      query CompanyTreePageQuery($rootId: ID, $maxDepth: Int) {
        me {
          company {
            ...CompanyTreePage_header
          }
        }
        ...CompanyTreePage_tree @arguments(rootId: $rootId, maxDepth: $maxDepth)
      }
    `,
    { rootId: props.rootId, maxDepth: null },
  );
  return { header: Header({ company: data.me.company }), tree: Tree({ query: data }) };
}

function Header({ company }: { company: CompanyTreePage_header$key }) {
  return useFragment(
    graphql`
      fragment CompanyTreePage_header on Company
      @refetchable(queryName: "CompanyTreePageHeaderRefetchQuery") {
        id
        name
        countryCode
        creditBalance
        creditPayer {
          levelsUp
          company {
            id
            name
          }
        }
        counts {
          children
          descendants
          users
          devices
        }
      }
    `,
    company,
  );
}

function Tree({ query }: { query: CompanyTreePage_tree$key }) {
  const { data, loadNext, hasNext } = usePaginationFragment(
    graphql`
      fragment CompanyTreePage_tree on Query
      @refetchable(queryName: "CompanyTreePagePaginationQuery")
      @argumentDefinitions(
        rootId: { type: "ID" }
        maxDepth: { type: "Int" }
        includeArchived: { type: "Boolean", defaultValue: false }
        first: { type: "Int", defaultValue: 500 }
        after: { type: "String" }
      ) {
        companyTree(
          rootId: $rootId
          maxDepth: $maxDepth
          includeArchived: $includeArchived
          first: $first
          after: $after
        ) @connection(key: "CompanyTreePage_companyTree", filters: ["rootId", "maxDepth", "includeArchived"]) {
          edges {
            node {
              id
              name
              depth
              countryCode
              archivedAt
              useParentCredits
              parent {
                id
              }
              counts {
                children
                devices
              }
            }
          }
        }
      }
    `,
    query,
  );
  return { rows: data.companyTree.edges.map((edge) => edge.node), more: () => hasNext && loadNext(500) };
}
