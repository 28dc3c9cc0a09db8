// Forms: the schema's rules checked before sending (required, lengths, formats), the server's
// typed errors shown next to the field they name (by `field`, in words chosen by `code`), and
// one submission at a time (a second click while the first is on its way does nothing).
import { useCallback, useId, useRef, useState, type ChangeEvent, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { errorText, useI18n, type MessageKey, type Params, type Translate } from './i18n';

export interface Problem {
  key: MessageKey;
  params?: Params;
}

export type Rule = (value: string) => Problem | null;

export const required: Rule = (value) => (value.trim() === '' ? { key: 'field.required' } : null);

export const maxLength =
  (maximum: number): Rule =>
  (value) =>
    [...value].length > maximum ? { key: 'field.tooLong', params: { maximum } } : null;

export const minLength =
  (minimum: number): Rule =>
  (value) =>
    value !== '' && [...value].length < minimum ? { key: 'field.tooShort', params: { minimum } } : null;

export const email: Rule = (value) =>
  value !== '' && !/^[^\s@]+@[^\s@]+$/.test(value.trim()) ? { key: 'field.email' } : null;

export const countryCode: Rule = (value) =>
  value !== '' && !/^[A-Za-z]{2}$/.test(value.trim()) ? { key: 'field.country' } : null;

/** The schema's rules, one place: names are 1 to 200 characters, passwords 12 to 256. */
export const RULES = {
  name: [required, maxLength(200)],
  newPassword: [required, minLength(12), maxLength(256)],
  email: [required, email, maxLength(320)],
  countryCode: [required, countryCode],
} satisfies Record<string, Rule[]>;

/** A typed error as the server answers it (any member of the Error interface). */
export interface ServerError {
  __typename?: string;
  code: string;
  field?: string | null;
  message?: string | null;
  minimum?: number | null;
  maximum?: number | null;
  retryAfterSeconds?: number | null;
}

export function isServerError(value: unknown): value is ServerError {
  return typeof value === 'object' && value !== null && 'code' in value && typeof (value as ServerError).code === 'string';
}

type Values<F extends string> = Record<F, string>;
type Messages<F extends string> = Partial<Record<F, string>>;

export interface Form<F extends string> {
  values: Values<F>;
  errors: Messages<F>;
  formError: string | null;
  submitting: boolean;
  bind: (field: F) => { value: string; onChange: (event: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => void };
  setValue: (field: F, value: string) => void;
  reset: (values?: Partial<Values<F>>) => void;
  /** The form's onSubmit: validates, then runs `send` unless a submission is under way. */
  onSubmit: (send: (values: Values<F>) => Promise<ServerError | null | undefined | void>) => (event?: FormEvent) => Promise<void>;
}

/** The server's field name → this form's field (the API names them as its input does). */
function fieldOf<F extends string>(fields: readonly F[], error: ServerError): F | null {
  const name = error.field?.split('.').pop() ?? null;
  return name !== null && (fields as readonly string[]).includes(name) ? (name as F) : null;
}

export function failureText(t: Translate, failure: unknown): string {
  if (CombinedGraphQLErrors.is(failure)) {
    const code = failure.errors[0]?.extensions?.['code'];
    if (code === 'FORBIDDEN') return t('error.FORBIDDEN');
    return t('common.failed');
  }
  return t('common.offline');
}

export function useForm<F extends string>(
  initial: Values<F>,
  rules: Partial<Record<F, Rule[]>>,
  check?: (values: Values<F>) => Partial<Record<F, Problem>>,
): Form<F> {
  const { t } = useI18n();
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<Messages<F>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const pending = useRef(false);
  const fields = Object.keys(initial) as F[];

  const setValue = useCallback((field: F, value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setErrors((current) => ({ ...current, [field]: undefined }));
  }, []);

  const validate = (current: Values<F>): Messages<F> => {
    const found: Messages<F> = {};
    for (const field of fields) {
      for (const rule of rules[field] ?? []) {
        const problem = rule(current[field]);
        if (problem) {
          found[field] = t(problem.key, problem.params);
          break;
        }
      }
    }
    for (const [field, problem] of Object.entries(check?.(current) ?? {}) as [F, Problem][]) {
      if (!found[field]) found[field] = t(problem.key, problem.params);
    }
    return found;
  };

  const onSubmit: Form<F>['onSubmit'] = (send) => async (event) => {
    event?.preventDefault();
    if (pending.current) return;
    const found = validate(values);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0) return;
    pending.current = true;
    setSubmitting(true);
    try {
      const problem = await send(values);
      if (problem) {
        const field = fieldOf(fields, problem);
        const text = errorText(t, problem);
        if (field) setErrors({ [field]: text } as Messages<F>);
        else setFormError(text);
      }
    } catch (failure) {
      setFormError(failureText(t, failure));
    } finally {
      pending.current = false;
      setSubmitting(false);
    }
  };

  return {
    values,
    errors,
    formError,
    submitting,
    bind: (field) => ({ value: values[field], onChange: (event) => setValue(field, event.target.value) }),
    setValue,
    reset: (next) => {
      setValues({ ...initial, ...next });
      setErrors({});
      setFormError(null);
    },
    onSubmit,
  };
}

/** The idempotency key of one intended change (credit moves and grants take one): the same
 * key for every retry of it, a new one once it succeeded (`next`). A retry after a lost answer
 * is then applied once by the server, whatever the network did. */
export function useIdempotencyKey(): { key: string; next: () => void } {
  const [key, setKey] = useState(() => crypto.randomUUID());
  return { key, next: () => setKey(crypto.randomUUID()) };
}

type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  error?: string | undefined;
  hint?: string;
};

/** A labelled input with its error (announced, and linked to the input) and hint. */
export function Field({ label, error, hint, ...input }: FieldProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={described || undefined} {...input} />
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="error" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function FormError({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p className="form-error" role="alert">
      {children}
    </p>
  );
}

export function Submit({ submitting, children }: { submitting: boolean; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <button type="submit" className="primary" disabled={submitting} aria-busy={submitting || undefined}>
      {submitting ? t('common.sending') : children}
    </button>
  );
}
