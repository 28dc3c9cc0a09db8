import { useId } from 'react';
import { LOCALES, isLocale, useI18n, type Locale } from './i18n';

const NAMES: Record<Locale, string> = { en: 'English', es: 'Español', fr: 'Français' };

/** The UI's language; each name is written in its own language. */
export function LanguagePicker() {
  const { t, locale, setLocale } = useI18n();
  const id = useId();
  return (
    <div className="language">
      <label htmlFor={id}>{t('nav.language')}</label>
      <select id={id} value={locale} onChange={(event) => isLocale(event.target.value) && setLocale(event.target.value)}>
        {LOCALES.map((code) => (
          <option key={code} value={code} lang={code}>
            {NAMES[code]}
          </option>
        ))}
      </select>
    </div>
  );
}
