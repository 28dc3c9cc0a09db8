// The company tree of the caller's scope: a company with its breadcrumb (its ancestors down
// from the caller's own company), its counts, the companies right below it (paged), a search
// over the whole scope, and the actions the viewer may take on it (from `viewerCan`).
import { useLazyQuery, useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { graphql } from '../gql';
import type { CompanyViewFragment } from '../gql/graphql';
import { Field, FormError, RULES, Submit, useForm } from '../forms';
import { errorText, useI18n } from '../i18n';
import { Link, navigate, useTitle } from '../router';
import { Failure, Loading, NotFound } from './Status';

export const PAGE_SIZE = 20;

graphql(`
  fragment CompanyCounts on Company {
    counts { children descendants users devices }
  }
`);

graphql(`
  fragment CompanyView on Company {
    id
    name
    countryCode
    archivedAt
    ancestors { id name }
    ...CompanyCounts
    viewerCan { rename archive createChild }
    children(first: $first, after: $after) {
      edges {
        cursor
        node { id name countryCode archivedAt ...CompanyCounts }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

/** `/companies`: the caller's own company (one request: `me` brings it). */
export const HOME = graphql(`
  query PortalCompanyHome($first: Int!, $after: String) {
    me { id company { ...CompanyView } }
  }
`);

/** `/companies/:id`. */
export const COMPANY = graphql(`
  query PortalCompany($id: ID!, $first: Int!, $after: String) {
    company(id: $id) { ...CompanyView }
  }
`);

export const SEARCH = graphql(`
  query PortalCompanySearch($search: String!, $first: Int!) {
    companies(search: $search, first: $first) {
      edges { node { id name countryCode archivedAt } }
    }
  }
`);

export const CREATE = graphql(`
  mutation PortalCompanyCreate($input: CompanyCreateInput!) {
    companyCreate(input: $input) {
      __typename
      ... on CompanyPayload { company { id name } }
      ... on Error { code field message }
      ... on ValidationError { minimum maximum }
    }
  }
`);

export const RENAME = graphql(`
  mutation PortalCompanyRename($input: CompanyRenameInput!) {
    companyRename(input: $input) {
      __typename
      ... on CompanyPayload { company { id name } }
      ... on Error { code field message }
      ... on ValidationError { minimum maximum }
    }
  }
`);

export const ARCHIVE = graphql(`
  mutation PortalCompanyArchive($input: CompanyArchiveInput!) {
    companyArchive(input: $input) {
      __typename
      ... on CompanyPayload { company { id archivedAt } }
      ... on ArchiveBlockedError { blockers }
      ... on Error { code field message }
    }
  }
`);

type Counts = CompanyViewFragment['counts'];

function CountList({ counts }: { counts: Counts }) {
  const { t } = useI18n();
  return (
    <dl className="counts">
      <div>
        <dt>{t('company.counts.children')}</dt>
        <dd>{counts.children}</dd>
      </div>
      <div>
        <dt>{t('company.counts.descendants')}</dt>
        <dd>{counts.descendants}</dd>
      </div>
      <div>
        <dt>{t('company.counts.users')}</dt>
        <dd>{counts.users}</dd>
      </div>
      <div>
        <dt>{t('company.counts.devices')}</dt>
        <dd>{counts.devices}</dd>
      </div>
    </dl>
  );
}

export function CreateChildForm({ parentId, onCreated }: { parentId: string; onCreated: (name: string) => void }) {
  const { t } = useI18n();
  const [create] = useMutation(CREATE);
  const form = useForm({ name: '', countryCode: '' }, { name: RULES.name, countryCode: RULES.countryCode });
  const submit = form.onSubmit(async (values) => {
    const { data } = await create({
      variables: { input: { parentId, name: values.name.trim(), countryCode: values.countryCode.trim().toUpperCase() } },
    });
    const result = data?.companyCreate;
    if (!result) return { code: 'INVALID_VALUE' };
    if (result.__typename === 'CompanyPayload') {
      form.reset();
      onCreated(result.company.name);
      return null;
    }
    return result;
  });
  return (
    <form onSubmit={submit} noValidate className="card" aria-label={t('company.createChild')}>
      <h2>{t('company.createChild')}</h2>
      <div className="row">
        <Field label={t('company.newName')} maxLength={200} {...form.bind('name')} error={form.errors.name} />
        <Field
          label={t('company.newCountry')}
          hint={t('company.newCountryHint')}
          maxLength={2}
          autoCapitalize="characters"
          className="short"
          {...form.bind('countryCode')}
          error={form.errors.countryCode}
        />
      </div>
      <FormError>{form.formError}</FormError>
      <Submit submitting={form.submitting}>{t('company.create')}</Submit>
    </form>
  );
}

export function RenameForm({ id, name, onDone }: { id: string; name: string; onDone: () => void }) {
  const { t } = useI18n();
  const [rename] = useMutation(RENAME);
  const form = useForm({ name }, { name: RULES.name });
  const submit = form.onSubmit(async (values) => {
    const { data } = await rename({ variables: { input: { id, name: values.name.trim() } } });
    const result = data?.companyRename;
    if (!result) return { code: 'INVALID_VALUE' };
    if (result.__typename === 'CompanyPayload') {
      onDone();
      return null;
    }
    return result;
  });
  return (
    <form onSubmit={submit} noValidate className="inline-form" aria-label={t('company.rename')}>
      <Field label={t('company.renameTo')} maxLength={200} {...form.bind('name')} error={form.errors.name} />
      <FormError>{form.formError}</FormError>
      <div className="buttons">
        <Submit submitting={form.submitting}>{t('common.save')}</Submit>
        <button type="button" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

export function ArchiveAction({ company, onArchived }: { company: { id: string; name: string }; onArchived: () => void }) {
  const { t } = useI18n();
  const [archive, { loading }] = useMutation(ARCHIVE);
  const [confirming, setConfirming] = useState(false);
  const [blockers, setBlockers] = useState<string[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const send = async () => {
    if (loading) return;
    setProblem(null);
    setBlockers(null);
    try {
      const { data } = await archive({ variables: { input: { id: company.id } } });
      const result = data?.companyArchive;
      setConfirming(false);
      if (result?.__typename === 'CompanyPayload') onArchived();
      else if (result?.__typename === 'ArchiveBlockedError') setBlockers(result.blockers);
      else if (result) setProblem(errorText(t, result));
    } catch {
      setProblem(t('common.failed'));
    }
  };

  return (
    <div className="archive">
      {confirming ? (
        <div className="confirm" role="group" aria-label={t('company.archive')}>
          <p>{t('company.archiveConfirm', { name: company.name })}</p>
          <div className="buttons">
            <button type="button" className="danger" disabled={loading} onClick={() => void send()}>
              {t('company.archive')}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          {t('company.archive')}
        </button>
      )}
      {blockers ? (
        <div className="form-error blockers" role="alert">
          <p>{t('company.archiveBlocked', { name: company.name })}</p>
          <ul>
            {blockers.map((blocker) => (
              <li key={blocker} data-blocker={blocker}>
                {t(`blocker.${blocker}` as 'blocker.CHILDREN')}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {problem ? (
        <p className="form-error" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

function Search() {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const [run, { data, loading, called, variables }] = useLazyQuery(SEARCH);
  const results = data?.companies.edges ?? [];
  return (
    <div className="search">
      <form
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          if (search.trim()) void run({ variables: { search: search.trim(), first: PAGE_SIZE } });
        }}
      >
        <Field label={t('company.search')} type="search" maxLength={200} value={search} onChange={(e) => setSearch(e.target.value)} />
        <button type="submit">{t('company.searchSubmit')}</button>
      </form>
      {called && !loading && variables ? (
        <div className="results" aria-live="polite">
          <h2>{t('company.searchResults', { search: variables.search })}</h2>
          {results.length === 0 ? (
            <p>{t('company.noResults')}</p>
          ) : (
            <ul>
              {results.map(({ node }) => (
                <li key={node.id}>
                  <Link to={`/companies/${encodeURIComponent(node.id)}`}>{node.name}</Link>{' '}
                  <span className="muted">{node.countryCode}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}

export function CompanyView({
  company,
  loadMore,
  refresh,
}: {
  company: CompanyViewFragment;
  loadMore: (after: string) => void;
  refresh: () => void;
}) {
  const { t } = useI18n();
  const [renaming, setRenaming] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  useTitle(`${company.name} · ${t('appName')}`);
  const can = company.viewerCan;
  const parent = company.ancestors[company.ancestors.length - 1];
  const children = company.children;

  return (
    <section className="screen">
      <nav aria-label={t('company.breadcrumb')} className="breadcrumb">
        <ol>
          {company.ancestors.map((ancestor) => (
            <li key={ancestor.id}>
              <Link to={`/companies/${encodeURIComponent(ancestor.id)}`}>{ancestor.name}</Link>
            </li>
          ))}
          <li aria-current="page">{company.name}</li>
        </ol>
      </nav>
      <div className="heading">
        <h1>{company.name}</h1>
        <span className="muted">{company.countryCode}</span>
        {company.archivedAt ? <span className="badge">{t('company.archived')}</span> : null}
      </div>
      <CountList counts={company.counts} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {can.rename || can.archive ? (
        <div className="actions">
          {can.rename && !renaming ? (
            <button type="button" onClick={() => setRenaming(true)}>
              {t('company.rename')}
            </button>
          ) : null}
          {can.archive ? (
            <ArchiveAction
              company={company}
              onArchived={() => navigate(parent ? `/companies/${encodeURIComponent(parent.id)}` : '/companies')}
            />
          ) : null}
        </div>
      ) : null}
      {renaming ? (
        <RenameForm
          id={company.id}
          name={company.name}
          onDone={() => {
            setRenaming(false);
          }}
        />
      ) : null}
      <Search />
      <h2>{t('company.children', { name: company.name })}</h2>
      {children.edges.length === 0 ? (
        <p className="muted">{t('company.noChildren')}</p>
      ) : (
        <ul className="children">
          {children.edges.map(({ node }) => (
            <li key={node.id}>
              <Link to={`/companies/${encodeURIComponent(node.id)}`}>{node.name}</Link>
              <span className="muted">{node.countryCode}</span>
              {node.archivedAt ? <span className="badge">{t('company.archived')}</span> : null}
              <CountList counts={node.counts} />
            </li>
          ))}
        </ul>
      )}
      {children.pageInfo.hasNextPage && children.pageInfo.endCursor ? (
        <button type="button" onClick={() => loadMore(children.pageInfo.endCursor as string)}>
          {t('common.loadMore')}
        </button>
      ) : null}
      {can.createChild ? (
        <CreateChildForm
          parentId={company.id}
          onCreated={(name) => {
            setNotice(t('company.created', { name }));
            refresh();
          }}
        />
      ) : null}
    </section>
  );
}

export function CompanyHome() {
  const { data, error, refetch, fetchMore } = useQuery(HOME, { variables: { first: PAGE_SIZE } });
  const company = data?.me.company;
  if (company) {
    return (
      <CompanyView
        key={company.id}
        company={company}
        loadMore={(after) => void fetchMore({ variables: { after } })}
        refresh={() => void refetch()}
      />
    );
  }
  return error ? <Failure error={error} retry={() => void refetch()} /> : <Loading />;
}

export function CompanyScreen({ id }: { id: string }) {
  const { data, error, refetch, fetchMore, loading } = useQuery(COMPANY, { variables: { id, first: PAGE_SIZE } });
  const company = data?.company;
  if (company) {
    return (
      <CompanyView
        key={company.id}
        company={company}
        loadMore={(after) => void fetchMore({ variables: { after } })}
        refresh={() => void refetch()}
      />
    );
  }
  if (error) return <Failure error={error} retry={() => void refetch()} />;
  if (!loading && data && data.company === null) return <NotFound />;
  return <Loading />;
}
