import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { graphql } from '../gql';
import { Field, FormError, RULES, Submit, required, useForm } from '../forms';
import { LanguagePicker } from '../LanguagePicker';
import { useI18n } from '../i18n';
import { useTitle } from '../router';
import { session } from '../session';
import { Failure, Loading } from './Status';

export const PROFILE = graphql(`
  query PortalProfile {
    me { id email name role company { id name } }
  }
`);

export const UPDATE_PROFILE = graphql(`
  mutation PortalUpdateProfile($input: ProfileUpdateInput!) {
    profileUpdate(input: $input) {
      __typename
      ... on UserPayload { user { id name } }
      ... on Error { code field message }
      ... on ValidationError { minimum maximum }
    }
  }
`);

export const CHANGE_PASSWORD = graphql(`
  mutation PortalChangePassword($input: PasswordChangeInput!) {
    passwordChange(input: $input) {
      __typename
      ... on AuthPayload { accessToken accessTokenExpiresAt refreshToken }
      ... on Error { code field message }
      ... on ValidationError { minimum maximum }
    }
  }
`);

function NameForm({ name }: { name: string }) {
  const { t } = useI18n();
  const [update] = useMutation(UPDATE_PROFILE);
  const [saved, setSaved] = useState(false);
  const form = useForm({ name }, { name: RULES.name });
  const { reset } = form;
  // The saved name comes back through the cache: show it as the field's new value.
  useEffect(() => reset({ name }), [name]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = form.onSubmit(async (values) => {
    setSaved(false);
    const { data } = await update({ variables: { input: { name: values.name.trim() } } });
    const result = data?.profileUpdate;
    if (!result) return { code: 'INVALID_VALUE' };
    if (result.__typename === 'UserPayload') {
      setSaved(true);
      return null;
    }
    return result;
  });

  return (
    <form onSubmit={submit} noValidate className="card">
      <Field label={t('profile.name')} autoComplete="name" maxLength={200} {...form.bind('name')} error={form.errors.name} />
      <FormError>{form.formError}</FormError>
      {saved ? <p className="notice" role="status">{t('profile.saved')}</p> : null}
      <Submit submitting={form.submitting}>{t('common.save')}</Submit>
    </form>
  );
}

function PasswordForm() {
  const { t } = useI18n();
  const [change] = useMutation(CHANGE_PASSWORD);
  const [changed, setChanged] = useState(false);
  const form = useForm(
    { currentPassword: '', newPassword: '', confirm: '' },
    { currentPassword: [required], newPassword: RULES.newPassword },
    (values) => (values.confirm !== values.newPassword ? { confirm: { key: 'field.mismatch' } } : {}),
  );

  const submit = form.onSubmit(async (values) => {
    setChanged(false);
    const { data } = await change({
      variables: { input: { currentPassword: values.currentPassword, newPassword: values.newPassword } },
    });
    const result = data?.passwordChange;
    if (!result) return { code: 'INVALID_VALUE' };
    if (result.__typename === 'AuthPayload') {
      session.start(result); // every other session ended; this is the new one
      form.reset();
      setChanged(true);
      return null;
    }
    return result;
  });

  return (
    <form onSubmit={submit} noValidate className="card">
      <h2>{t('profile.passwordTitle')}</h2>
      <Field label={t('profile.currentPassword')} type="password" autoComplete="current-password" {...form.bind('currentPassword')} error={form.errors.currentPassword} />
      <Field label={t('profile.newPassword')} type="password" autoComplete="new-password" {...form.bind('newPassword')} error={form.errors.newPassword} />
      <Field label={t('profile.confirm')} type="password" autoComplete="new-password" {...form.bind('confirm')} error={form.errors.confirm} />
      <FormError>{form.formError}</FormError>
      {changed ? <p className="notice" role="status">{t('profile.passwordChanged')}</p> : null}
      <Submit submitting={form.submitting}>{t('profile.changePassword')}</Submit>
    </form>
  );
}

export function Profile() {
  const { t } = useI18n();
  useTitle(`${t('profile.title')} · ${t('appName')}`);
  const { data, error, refetch } = useQuery(PROFILE);
  const me = data?.me;
  return (
    <section className="screen">
      <h1>{t('profile.title')}</h1>
      {me ? (
        <>
          <dl className="facts card">
            <dt>{t('profile.email')}</dt>
            <dd>{me.email}</dd>
            <dt>{t('profile.role')}</dt>
            <dd>{t(`role.${me.role}`)}</dd>
            <dt>{t('profile.company')}</dt>
            <dd>{me.company.name}</dd>
          </dl>
          <NameForm name={me.name} />
          <PasswordForm />
          <div className="card">
            <h2>{t('profile.languageTitle')}</h2>
            <p className="hint">{t('profile.languageHint')}</p>
            <LanguagePicker />
          </div>
        </>
      ) : error ? (
        <Failure error={error} retry={() => void refetch()} />
      ) : (
        <Loading />
      )}
    </section>
  );
}
