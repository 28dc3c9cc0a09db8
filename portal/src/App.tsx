// The portal's shell: the language, the session, and which screen a path shows. Screens
// behind sign-in redirect there with the page kept (`?next=`), and come back after it.
import { ApolloProvider, useApolloClient } from '@apollo/client/react';
import type { ApolloClient } from '@apollo/client';
import { useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { LanguagePicker } from './LanguagePicker';
import { I18nContext, preferredLocale, storeLocale, translator, useI18n, type Locale } from './i18n';
import { Link, currentPage, match, navigate, useLocation } from './router';
import { session } from './session';
import { AcceptInvitation } from './screens/AcceptInvitation';
import { CompanyHome, CompanyScreen } from './screens/Companies';
import { ForgotPassword } from './screens/ForgotPassword';
import { Profile } from './screens/Profile';
import { ResetPassword } from './screens/ResetPassword';
import { SignIn } from './screens/SignIn';
import { NotFound } from './screens/Status';

/** Screens anyone may open; the rest need a session. */
const PUBLIC: Record<string, () => ReactNode> = {
  '/sign-in': () => <SignIn />,
  '/accept-invitation': () => <AcceptInvitation />,
  '/forgot-password': () => <ForgotPassword />,
  '/reset-password': () => <ResetPassword />,
};

/** The signed-in screens, by path pattern; the next session adds users, devices, credits… */
const PRIVATE: [string, (params: Record<string, string>) => ReactNode][] = [
  ['/companies', () => <CompanyHome />],
  ['/companies/:id', ({ id }) => <CompanyScreen id={id as string} />],
  ['/profile', () => <Profile />],
];

function useSignedIn(): boolean {
  return useSyncExternalStore(
    (listener) => session.onChange(listener),
    () => session.active,
  );
}

function signInPath(reason: 'expired' | null): string {
  const params = new URLSearchParams({ next: currentPage() });
  if (reason) params.set(reason, '1');
  return `/sign-in?${params.toString()}`;
}

function Shell({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const client = useApolloClient();
  const { path } = useLocation();
  const signOut = async () => {
    await session.signOut();
    await client.clearStore();
    navigate('/sign-in?signedOut=1', { replace: true });
  };
  const current = (prefix: string) => (path.startsWith(prefix) ? 'page' : undefined);
  return (
    <>
      <header className="top">
        <Link to="/companies" className="brand">
          {t('appName')}
        </Link>
        <nav aria-label={t('appName')}>
          <Link to="/companies" aria-current={current('/companies')}>
            {t('nav.companies')}
          </Link>
          <Link to="/profile" aria-current={current('/profile')}>
            {t('nav.profile')}
          </Link>
        </nav>
        <LanguagePicker />
        <button type="button" onClick={() => void signOut()}>
          {t('nav.signOut')}
        </button>
      </header>
      <main>{children}</main>
    </>
  );
}

function Routes() {
  const { path } = useLocation();
  const signedIn = useSignedIn();
  const client = useApolloClient();

  // The server refused the session (and renewal failed): back to sign-in, keeping the page.
  useEffect(
    () =>
      session.onExpired(() => {
        void client.clearStore();
        navigate(signInPath('expired'), { replace: true });
      }),
    [client],
  );

  const publicScreen = PUBLIC[path];
  const redirect = publicScreen ? null : !signedIn ? signInPath(null) : path === '/' ? '/companies' : null;
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  if (publicScreen) return <>{publicScreen()}</>;
  if (redirect) return null;
  for (const [pattern, screen] of PRIVATE) {
    const params = match(pattern, path);
    if (params) return <Shell>{screen(params)}</Shell>;
  }
  return (
    <Shell>
      <NotFound />
    </Shell>
  );
}

/** The language is this browser's choice for now. Once the API stores one per user
 * (User.locale), pass it to preferredLocale() after sign-in and save the picker's choice with
 * profileUpdate: the rest of the app reads the locale from I18nContext only. */
export function App({ client, initialLocale }: { client: ApolloClient; initialLocale?: Locale }) {
  const [locale, setLocale] = useState<Locale>(() => initialLocale ?? preferredLocale());
  const i18n = useMemo(
    () => ({
      locale,
      t: translator(locale),
      setLocale: (next: Locale) => {
        storeLocale(next);
        setLocale(next);
      },
    }),
    [locale],
  );
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <ApolloProvider client={client}>
      <I18nContext.Provider value={i18n}>
        <Routes />
      </I18nContext.Provider>
    </ApolloProvider>
  );
}
