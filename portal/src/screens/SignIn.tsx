import { useApolloClient, useMutation } from '@apollo/client/react';
import { graphql } from '../gql';
import { Field, FormError, RULES, Submit, required, useForm } from '../forms';
import { useI18n } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { session } from '../session';
import { AuthLayout } from './AuthLayout';

export const SIGN_IN = graphql(`
  mutation PortalSignIn($input: LoginInput!) {
    login(input: $input) {
      __typename
      ... on AuthPayload {
        accessToken
        accessTokenExpiresAt
        refreshToken
        user { id name email role }
      }
      ... on Error { code field message }
      ... on ValidationError { minimum maximum }
      ... on LoginThrottledError { retryAfterSeconds }
    }
  }
`);

/** Where to go after signing in: the page kept in `next`, if it is one of the portal's. */
export function nextPage(search: URLSearchParams): string {
  const next = search.get('next') ?? '';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/companies';
}

export function SignIn() {
  const { t } = useI18n();
  const { search } = useLocation();
  const client = useApolloClient();
  const [login] = useMutation(SIGN_IN);
  const form = useForm({ email: '', password: '' }, { email: RULES.email, password: [required] });
  const notice = search.get('expired') ? t('signIn.expired') : search.get('signedOut') ? t('signIn.signedOut') : null;

  const submit = form.onSubmit(async (values) => {
    const { data } = await login({ variables: { input: { email: values.email.trim(), password: values.password } } });
    const result = data?.login;
    if (!result) return { code: 'INVALID_VALUE' };
    if (result.__typename === 'AuthPayload') {
      await client.clearStore(); // nothing of a previous user stays in the cache
      session.start(result);
      navigate(nextPage(search), { replace: true });
      return null;
    }
    if (result.__typename === 'LoginThrottledError') {
      return { ...result, message: t('signIn.throttled', { seconds: result.retryAfterSeconds }), code: 'THROTTLED' };
    }
    return result;
  });

  return (
    <AuthLayout title={t('signIn.title')}>
      {notice ? <p className="notice" role="status">{notice}</p> : null}
      <form onSubmit={submit} noValidate>
        <Field label={t('signIn.email')} type="email" autoComplete="username" {...form.bind('email')} error={form.errors.email} />
        <Field label={t('signIn.password')} type="password" autoComplete="current-password" {...form.bind('password')} error={form.errors.password} />
        <FormError>{form.formError}</FormError>
        <Submit submitting={form.submitting}>{t('signIn.submit')}</Submit>
      </form>
      <p className="aside">
        <Link to="/forgot-password">{t('signIn.forgot')}</Link>
      </p>
    </AuthLayout>
  );
}
