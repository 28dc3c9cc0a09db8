/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation PortalAcceptInvitation($input: InvitationAcceptInput!) {\n    invitationAccept(input: $input) {\n      __typename\n      ... on AuthPayload {\n        accessToken\n        accessTokenExpiresAt\n        refreshToken\n        user { id name email role }\n      }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": typeof types.PortalAcceptInvitationDocument,
    "\n  fragment CompanyCounts on Company {\n    counts { children descendants users devices }\n  }\n": typeof types.CompanyCountsFragmentDoc,
    "\n  fragment CompanyView on Company {\n    id\n    name\n    countryCode\n    archivedAt\n    ancestors { id name }\n    ...CompanyCounts\n    viewerCan { rename archive createChild }\n    children(first: $first, after: $after) {\n      edges {\n        cursor\n        node { id name countryCode archivedAt ...CompanyCounts }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.CompanyViewFragmentDoc,
    "\n  query PortalCompanyHome($first: Int!, $after: String) {\n    me { id company { ...CompanyView } }\n  }\n": typeof types.PortalCompanyHomeDocument,
    "\n  query PortalCompany($id: ID!, $first: Int!, $after: String) {\n    company(id: $id) { ...CompanyView }\n  }\n": typeof types.PortalCompanyDocument,
    "\n  query PortalCompanySearch($search: String!, $first: Int!) {\n    companies(search: $search, first: $first) {\n      edges { node { id name countryCode archivedAt } }\n    }\n  }\n": typeof types.PortalCompanySearchDocument,
    "\n  mutation PortalCompanyCreate($input: CompanyCreateInput!) {\n    companyCreate(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": typeof types.PortalCompanyCreateDocument,
    "\n  mutation PortalCompanyRename($input: CompanyRenameInput!) {\n    companyRename(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": typeof types.PortalCompanyRenameDocument,
    "\n  mutation PortalCompanyArchive($input: CompanyArchiveInput!) {\n    companyArchive(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id archivedAt } }\n      ... on ArchiveBlockedError { blockers }\n      ... on Error { code field message }\n    }\n  }\n": typeof types.PortalCompanyArchiveDocument,
    "\n  mutation PortalRequestReset($input: PasswordResetRequestInput!) {\n    passwordResetRequest(input: $input) {\n      __typename\n      ... on Error { code field message }\n    }\n  }\n": typeof types.PortalRequestResetDocument,
    "\n  query PortalProfile {\n    me { id email name role company { id name } }\n  }\n": typeof types.PortalProfileDocument,
    "\n  mutation PortalUpdateProfile($input: ProfileUpdateInput!) {\n    profileUpdate(input: $input) {\n      __typename\n      ... on UserPayload { user { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": typeof types.PortalUpdateProfileDocument,
    "\n  mutation PortalChangePassword($input: PasswordChangeInput!) {\n    passwordChange(input: $input) {\n      __typename\n      ... on AuthPayload { accessToken accessTokenExpiresAt refreshToken }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": typeof types.PortalChangePasswordDocument,
    "\n  mutation PortalResetPassword($input: PasswordResetInput!) {\n    passwordReset(input: $input) {\n      __typename\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": typeof types.PortalResetPasswordDocument,
    "\n  mutation PortalSignIn($input: LoginInput!) {\n    login(input: $input) {\n      __typename\n      ... on AuthPayload {\n        accessToken\n        accessTokenExpiresAt\n        refreshToken\n        user { id name email role }\n      }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n      ... on LoginThrottledError { retryAfterSeconds }\n    }\n  }\n": typeof types.PortalSignInDocument,
};
const documents: Documents = {
    "\n  mutation PortalAcceptInvitation($input: InvitationAcceptInput!) {\n    invitationAccept(input: $input) {\n      __typename\n      ... on AuthPayload {\n        accessToken\n        accessTokenExpiresAt\n        refreshToken\n        user { id name email role }\n      }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": types.PortalAcceptInvitationDocument,
    "\n  fragment CompanyCounts on Company {\n    counts { children descendants users devices }\n  }\n": types.CompanyCountsFragmentDoc,
    "\n  fragment CompanyView on Company {\n    id\n    name\n    countryCode\n    archivedAt\n    ancestors { id name }\n    ...CompanyCounts\n    viewerCan { rename archive createChild }\n    children(first: $first, after: $after) {\n      edges {\n        cursor\n        node { id name countryCode archivedAt ...CompanyCounts }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.CompanyViewFragmentDoc,
    "\n  query PortalCompanyHome($first: Int!, $after: String) {\n    me { id company { ...CompanyView } }\n  }\n": types.PortalCompanyHomeDocument,
    "\n  query PortalCompany($id: ID!, $first: Int!, $after: String) {\n    company(id: $id) { ...CompanyView }\n  }\n": types.PortalCompanyDocument,
    "\n  query PortalCompanySearch($search: String!, $first: Int!) {\n    companies(search: $search, first: $first) {\n      edges { node { id name countryCode archivedAt } }\n    }\n  }\n": types.PortalCompanySearchDocument,
    "\n  mutation PortalCompanyCreate($input: CompanyCreateInput!) {\n    companyCreate(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": types.PortalCompanyCreateDocument,
    "\n  mutation PortalCompanyRename($input: CompanyRenameInput!) {\n    companyRename(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": types.PortalCompanyRenameDocument,
    "\n  mutation PortalCompanyArchive($input: CompanyArchiveInput!) {\n    companyArchive(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id archivedAt } }\n      ... on ArchiveBlockedError { blockers }\n      ... on Error { code field message }\n    }\n  }\n": types.PortalCompanyArchiveDocument,
    "\n  mutation PortalRequestReset($input: PasswordResetRequestInput!) {\n    passwordResetRequest(input: $input) {\n      __typename\n      ... on Error { code field message }\n    }\n  }\n": types.PortalRequestResetDocument,
    "\n  query PortalProfile {\n    me { id email name role company { id name } }\n  }\n": types.PortalProfileDocument,
    "\n  mutation PortalUpdateProfile($input: ProfileUpdateInput!) {\n    profileUpdate(input: $input) {\n      __typename\n      ... on UserPayload { user { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": types.PortalUpdateProfileDocument,
    "\n  mutation PortalChangePassword($input: PasswordChangeInput!) {\n    passwordChange(input: $input) {\n      __typename\n      ... on AuthPayload { accessToken accessTokenExpiresAt refreshToken }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": types.PortalChangePasswordDocument,
    "\n  mutation PortalResetPassword($input: PasswordResetInput!) {\n    passwordReset(input: $input) {\n      __typename\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n": types.PortalResetPasswordDocument,
    "\n  mutation PortalSignIn($input: LoginInput!) {\n    login(input: $input) {\n      __typename\n      ... on AuthPayload {\n        accessToken\n        accessTokenExpiresAt\n        refreshToken\n        user { id name email role }\n      }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n      ... on LoginThrottledError { retryAfterSeconds }\n    }\n  }\n": types.PortalSignInDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PortalAcceptInvitation($input: InvitationAcceptInput!) {\n    invitationAccept(input: $input) {\n      __typename\n      ... on AuthPayload {\n        accessToken\n        accessTokenExpiresAt\n        refreshToken\n        user { id name email role }\n      }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"): (typeof documents)["\n  mutation PortalAcceptInvitation($input: InvitationAcceptInput!) {\n    invitationAccept(input: $input) {\n      __typename\n      ... on AuthPayload {\n        accessToken\n        accessTokenExpiresAt\n        refreshToken\n        user { id name email role }\n      }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CompanyCounts on Company {\n    counts { children descendants users devices }\n  }\n"): (typeof documents)["\n  fragment CompanyCounts on Company {\n    counts { children descendants users devices }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CompanyView on Company {\n    id\n    name\n    countryCode\n    archivedAt\n    ancestors { id name }\n    ...CompanyCounts\n    viewerCan { rename archive createChild }\n    children(first: $first, after: $after) {\n      edges {\n        cursor\n        node { id name countryCode archivedAt ...CompanyCounts }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  fragment CompanyView on Company {\n    id\n    name\n    countryCode\n    archivedAt\n    ancestors { id name }\n    ...CompanyCounts\n    viewerCan { rename archive createChild }\n    children(first: $first, after: $after) {\n      edges {\n        cursor\n        node { id name countryCode archivedAt ...CompanyCounts }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PortalCompanyHome($first: Int!, $after: String) {\n    me { id company { ...CompanyView } }\n  }\n"): (typeof documents)["\n  query PortalCompanyHome($first: Int!, $after: String) {\n    me { id company { ...CompanyView } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PortalCompany($id: ID!, $first: Int!, $after: String) {\n    company(id: $id) { ...CompanyView }\n  }\n"): (typeof documents)["\n  query PortalCompany($id: ID!, $first: Int!, $after: String) {\n    company(id: $id) { ...CompanyView }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PortalCompanySearch($search: String!, $first: Int!) {\n    companies(search: $search, first: $first) {\n      edges { node { id name countryCode archivedAt } }\n    }\n  }\n"): (typeof documents)["\n  query PortalCompanySearch($search: String!, $first: Int!) {\n    companies(search: $search, first: $first) {\n      edges { node { id name countryCode archivedAt } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PortalCompanyCreate($input: CompanyCreateInput!) {\n    companyCreate(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"): (typeof documents)["\n  mutation PortalCompanyCreate($input: CompanyCreateInput!) {\n    companyCreate(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PortalCompanyRename($input: CompanyRenameInput!) {\n    companyRename(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"): (typeof documents)["\n  mutation PortalCompanyRename($input: CompanyRenameInput!) {\n    companyRename(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PortalCompanyArchive($input: CompanyArchiveInput!) {\n    companyArchive(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id archivedAt } }\n      ... on ArchiveBlockedError { blockers }\n      ... on Error { code field message }\n    }\n  }\n"): (typeof documents)["\n  mutation PortalCompanyArchive($input: CompanyArchiveInput!) {\n    companyArchive(input: $input) {\n      __typename\n      ... on CompanyPayload { company { id archivedAt } }\n      ... on ArchiveBlockedError { blockers }\n      ... on Error { code field message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PortalRequestReset($input: PasswordResetRequestInput!) {\n    passwordResetRequest(input: $input) {\n      __typename\n      ... on Error { code field message }\n    }\n  }\n"): (typeof documents)["\n  mutation PortalRequestReset($input: PasswordResetRequestInput!) {\n    passwordResetRequest(input: $input) {\n      __typename\n      ... on Error { code field message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PortalProfile {\n    me { id email name role company { id name } }\n  }\n"): (typeof documents)["\n  query PortalProfile {\n    me { id email name role company { id name } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PortalUpdateProfile($input: ProfileUpdateInput!) {\n    profileUpdate(input: $input) {\n      __typename\n      ... on UserPayload { user { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"): (typeof documents)["\n  mutation PortalUpdateProfile($input: ProfileUpdateInput!) {\n    profileUpdate(input: $input) {\n      __typename\n      ... on UserPayload { user { id name } }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PortalChangePassword($input: PasswordChangeInput!) {\n    passwordChange(input: $input) {\n      __typename\n      ... on AuthPayload { accessToken accessTokenExpiresAt refreshToken }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"): (typeof documents)["\n  mutation PortalChangePassword($input: PasswordChangeInput!) {\n    passwordChange(input: $input) {\n      __typename\n      ... on AuthPayload { accessToken accessTokenExpiresAt refreshToken }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PortalResetPassword($input: PasswordResetInput!) {\n    passwordReset(input: $input) {\n      __typename\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"): (typeof documents)["\n  mutation PortalResetPassword($input: PasswordResetInput!) {\n    passwordReset(input: $input) {\n      __typename\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PortalSignIn($input: LoginInput!) {\n    login(input: $input) {\n      __typename\n      ... on AuthPayload {\n        accessToken\n        accessTokenExpiresAt\n        refreshToken\n        user { id name email role }\n      }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n      ... on LoginThrottledError { retryAfterSeconds }\n    }\n  }\n"): (typeof documents)["\n  mutation PortalSignIn($input: LoginInput!) {\n    login(input: $input) {\n      __typename\n      ... on AuthPayload {\n        accessToken\n        accessTokenExpiresAt\n        refreshToken\n        user { id name email role }\n      }\n      ... on Error { code field message }\n      ... on ValidationError { minimum maximum }\n      ... on LoginThrottledError { retryAfterSeconds }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;