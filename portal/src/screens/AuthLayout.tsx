import type { ReactNode } from 'react';
import { LanguagePicker } from '../LanguagePicker';
import { useI18n } from '../i18n';
import { useTitle } from '../router';

/** The frame of the screens shown before signing in: a card with the title. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useI18n();
  useTitle(`${title} · ${t('appName')}`);
  return (
    <main className="auth">
      <div className="auth-card">
        <p className="brand">{t('appName')}</p>
        <h1>{title}</h1>
        {children}
      </div>
      <LanguagePicker />
    </main>
  );
}
