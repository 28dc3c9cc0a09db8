import { useApolloClient, useMutation } from '@apollo/client/react';
import { graphql } from '../gql';
import { Field, FormError, RULES, Submit, useForm } from '../forms';
import { useI18n } from '../i18n';
import { navigate, useLocation } from '../router';
import { session } from '../session';
import { AuthLayout } from './AuthLayout';

export const ACCEPT_INVITATION = graphql(`
  mutation PortalAcceptInvitation($input: InvitationAcceptInput!) {
    invitationAccept(input: $input) {
      __typename
      ... on AuthPayload {
        accessToken
        accessTokenExpiresAt
        refreshToken
        user { id name email role }
      }
      ... on Error { code field message }
      ... on ValidationError { minimum maximum }
    }
  }
`);

/** The page the invitation mail links to: `/accept-invitation?token=…`. Signs the new user in. */
export function AcceptInvitation() {
  const { t } = useI18n();
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const client = useApolloClient();
  const [accept] = useMutation(ACCEPT_INVITATION);
  const form = useForm(
    { name: '', password: '', confirm: '' },
    { name: RULES.name, password: RULES.newPassword },
    (values) => (values.confirm !== values.password ? { confirm: { key: 'field.mismatch' } } : {}),
  );

  const submit = form.onSubmit(async (values) => {
    const { data } = await accept({
      variables: { input: { token, password: values.password, name: values.name.trim() } },
    });
    const result = data?.invitationAccept;
    if (!result) return { code: 'INVALID_VALUE' };
    if (result.__typename === 'AuthPayload') {
      await client.clearStore();
      session.start(result);
      navigate('/companies', { replace: true });
      return null;
    }
    return result;
  });

  return (
    <AuthLayout title={t('accept.title')}>
      {token === '' ? (
        <p className="form-error" role="alert">{t('accept.noToken')}</p>
      ) : (
        <>
          <p>{t('accept.intro')}</p>
          <form onSubmit={submit} noValidate>
            <Field label={t('accept.name')} autoComplete="name" maxLength={200} {...form.bind('name')} error={form.errors.name} />
            <Field label={t('accept.password')} type="password" autoComplete="new-password" {...form.bind('password')} error={form.errors.password} />
            <Field label={t('accept.confirm')} type="password" autoComplete="new-password" {...form.bind('confirm')} error={form.errors.confirm} />
            <FormError>{form.formError}</FormError>
            <Submit submitting={form.submitting}>{t('accept.submit')}</Submit>
          </form>
        </>
      )}
    </AuthLayout>
  );
}
