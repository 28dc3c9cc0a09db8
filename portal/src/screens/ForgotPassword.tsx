import { useMutation } from '@apollo/client/react';
import { useState } from 'react';
import { graphql } from '../gql';
import { Field, FormError, RULES, Submit, useForm } from '../forms';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { AuthLayout } from './AuthLayout';

export const REQUEST_RESET = graphql(`
  mutation PortalRequestReset($input: PasswordResetRequestInput!) {
    passwordResetRequest(input: $input) {
      __typename
      ... on Error { code field message }
    }
  }
`);

export function ForgotPassword() {
  const { t } = useI18n();
  const [request] = useMutation(REQUEST_RESET);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useForm({ email: '' }, { email: RULES.email });

  const submit = form.onSubmit(async (values) => {
    const email = values.email.trim();
    const { data } = await request({ variables: { input: { email } } });
    const result = data?.passwordResetRequest;
    if (!result) return { code: 'INVALID_VALUE' };
    if (result.__typename === 'OkPayload') {
      setSentTo(email);
      return null;
    }
    return result;
  });

  return (
    <AuthLayout title={t('forgot.title')}>
      {sentTo ? (
        <p className="notice" role="status">{t('forgot.sent', { email: sentTo })}</p>
      ) : (
        <>
          <p>{t('forgot.intro')}</p>
          <form onSubmit={submit} noValidate>
            <Field label={t('forgot.email')} type="email" autoComplete="email" {...form.bind('email')} error={form.errors.email} />
            <FormError>{form.formError}</FormError>
            <Submit submitting={form.submitting}>{t('forgot.submit')}</Submit>
          </form>
        </>
      )}
      <p className="aside">
        <Link to="/sign-in">{t('forgot.back')}</Link>
      </p>
    </AuthLayout>
  );
}
