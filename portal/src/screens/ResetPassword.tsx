import { useMutation } from '@apollo/client/react';
import { useState } from 'react';
import { graphql } from '../gql';
import { Field, FormError, RULES, Submit, useForm } from '../forms';
import { useI18n } from '../i18n';
import { Link, useLocation } from '../router';
import { AuthLayout } from './AuthLayout';

export const RESET_PASSWORD = graphql(`
  mutation PortalResetPassword($input: PasswordResetInput!) {
    passwordReset(input: $input) {
      __typename
      ... on Error { code field message }
      ... on ValidationError { minimum maximum }
    }
  }
`);

/** The page the reset mail links to: `/reset-password?token=…`. */
export function ResetPassword() {
  const { t } = useI18n();
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const [reset] = useMutation(RESET_PASSWORD);
  const [done, setDone] = useState(false);
  const form = useForm(
    { newPassword: '', confirm: '' },
    { newPassword: RULES.newPassword },
    (values) => (values.confirm !== values.newPassword ? { confirm: { key: 'field.mismatch' } } : {}),
  );

  const submit = form.onSubmit(async (values) => {
    const { data } = await reset({ variables: { input: { token, newPassword: values.newPassword } } });
    const result = data?.passwordReset;
    if (!result) return { code: 'INVALID_VALUE' };
    if (result.__typename === 'OkPayload') {
      setDone(true);
      return null;
    }
    return result;
  });

  return (
    <AuthLayout title={t('reset.title')}>
      {token === '' ? (
        <p className="form-error" role="alert">{t('reset.noToken')}</p>
      ) : done ? (
        <p className="notice" role="status">{t('reset.done')}</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field label={t('reset.password')} type="password" autoComplete="new-password" {...form.bind('newPassword')} error={form.errors.newPassword} />
          <Field label={t('reset.confirm')} type="password" autoComplete="new-password" {...form.bind('confirm')} error={form.errors.confirm} />
          <FormError>{form.formError}</FormError>
          <Submit submitting={form.submitting}>{t('reset.submit')}</Submit>
        </form>
      )}
      <p className="aside">
        <Link to="/sign-in">{t('forgot.back')}</Link>
      </p>
    </AuthLayout>
  );
}
