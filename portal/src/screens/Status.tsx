import { failureText } from '../forms';
import { useI18n } from '../i18n';
import { Link } from '../router';

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      {t('common.loading')}
    </p>
  );
}

export function Failure({ error, retry }: { error: unknown; retry: () => void }) {
  const { t } = useI18n();
  return (
    <div className="form-error" role="alert">
      <p>{failureText(t, error)}</p>
      <button type="button" onClick={retry}>
        {t('common.retry')}
      </button>
    </div>
  );
}

export function NotFound() {
  const { t } = useI18n();
  return (
    <section className="screen">
      <h1>{t('notFound.title')}</h1>
      <p>
        <Link to="/companies">{t('notFound.back')}</Link>
      </p>
    </section>
  );
}
