// Renders a component as the app does (language, Apollo with the app's cache policies), with
// the server's answers given as mocks.
import { MockedProvider } from '@apollo/client/testing/react';
import type { MockLink } from '@apollo/client/testing';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { createCache } from './apollo';
import { I18nContext, translator, type Locale } from './i18n';

export function renderWith(
  ui: ReactNode,
  { mocks = [], locale = 'en' }: { mocks?: MockLink.MockedResponse[]; locale?: Locale } = {},
) {
  return render(
    <MockedProvider mocks={mocks} cache={createCache()}>
      <I18nContext.Provider value={{ locale, t: translator(locale), setLocale: () => {} }}>{ui}</I18nContext.Provider>
    </MockedProvider>,
  );
}
