import { act, cleanup, fireEvent, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useIdempotencyKey } from './forms';
import { CATALOGS, LOCALES, format } from './i18n';
import { AcceptInvitation, ACCEPT_INVITATION } from './screens/AcceptInvitation';
import { ArchiveAction, ARCHIVE, CreateChildForm, CREATE } from './screens/Companies';
import { SignIn } from './screens/SignIn';
import { renderWith } from './test-utils';

afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
  sessionStorage.clear();
});

const field = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.change(field(label), { target: { value } });
/** The error shown for an input: the element its aria-describedby names. */
function errorOf(label: string): string | null {
  const ids = field(label).getAttribute('aria-describedby')?.split(' ') ?? [];
  const error = ids.map((id) => document.getElementById(id)).find((el) => el?.classList.contains('error'));
  return error?.textContent ?? null;
}

describe('the catalogs', () => {
  it('say every message in every language', () => {
    const keys = Object.keys(CATALOGS.en).sort();
    for (const locale of LOCALES) {
      expect(Object.keys(CATALOGS[locale]).sort()).toEqual(keys);
      for (const text of Object.values(CATALOGS[locale])) expect(text.trim()).not.toBe('');
    }
  });

  it('fill in numbers, and leave out a clause whose number is missing', () => {
    expect(format('Too long{maximum, : at most {maximum}}.', { maximum: 200 })).toBe('Too long: at most 200.');
    expect(format('Too long{maximum, : at most {maximum}}.', {})).toBe('Too long.');
  });
});

describe('sign in', () => {
  it('checks required fields and the email on the client, sending nothing', async () => {
    let sent = 0;
    renderWith(<SignIn />, {
      mocks: [
        {
          request: { query: (await import('./screens/SignIn')).SIGN_IN, variables: () => true },
          result: () => {
            sent += 1;
            return { data: null };
          },
        },
      ],
    });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(errorOf('Email')).toBe('Required.');
    expect(errorOf('Password')).toBe('Required.');
    type('Email', 'not-an-email');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(errorOf('Email')).toBe('Not an email address.');
    expect(sent).toBe(0);
  });

  it('shows wrong credentials as the form’s error, in the chosen language', async () => {
    const { SIGN_IN } = await import('./screens/SignIn');
    renderWith(<SignIn />, {
      locale: 'fr',
      mocks: [
        {
          request: { query: SIGN_IN, variables: { input: { email: 'a@b.example', password: 'nope' } } },
          result: {
            data: {
              login: { __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS', field: null, message: 'Invalid email or password' },
            },
          },
        },
      ],
    });
    type('E-mail', 'a@b.example');
    type('Mot de passe', 'nope');
    fireEvent.click(screen.getByRole('button', { name: 'Se connecter' }));
    expect(await screen.findByText('E-mail ou mot de passe incorrect.')).toBeTruthy();
  });
});

describe('accepting an invitation', () => {
  it('checks the schema’s password length and the repeat before sending', () => {
    window.history.replaceState(null, '', '/portal/accept-invitation?token=t0k');
    renderWith(<AcceptInvitation />);
    type('Your name', 'Marta');
    type('Password', 'short');
    type('Repeat the password', 'other');
    fireEvent.click(screen.getByRole('button', { name: 'Create my account' }));
    expect(errorOf('Password')).toBe('At least 12 characters.');
    expect(errorOf('Repeat the password')).toBe('The two passwords differ.');
  });

  it('shows the server’s typed error next to the field it names, translated by code', async () => {
    window.history.replaceState(null, '', '/portal/accept-invitation?token=t0k');
    renderWith(<AcceptInvitation />, {
      locale: 'es',
      mocks: [
        {
          request: {
            query: ACCEPT_INVITATION,
            variables: { input: { token: 't0k', password: 'password1234', name: 'Marta' } },
          },
          result: {
            data: {
              invitationAccept: {
                __typename: 'ValidationError',
                code: 'PASSWORD_TOO_COMMON',
                field: 'password',
                message: 'This password is too common',
                minimum: null,
                maximum: null,
              },
            },
          },
        },
      ],
    });
    type('Tu nombre', 'Marta');
    type('Contraseña', 'password1234');
    type('Repite la contraseña', 'password1234');
    fireEvent.click(screen.getByRole('button', { name: 'Crear mi cuenta' }));
    await waitFor(() =>
      expect(errorOf('Contraseña')).toBe('Demasiado común: elige una contraseña más difícil de adivinar.'),
    );
  });

  it('says so when the link has no token', () => {
    window.history.replaceState(null, '', '/portal/accept-invitation');
    renderWith(<AcceptInvitation />);
    expect(screen.getByRole('alert').textContent).toContain('incomplete');
  });
});

describe('creating a child company', () => {
  const input = { parentId: 'Q29tcGFueTox', name: 'Hotel Sol', countryCode: 'ZZ' };

  it('checks the name and the country code’s shape on the client', () => {
    renderWith(<CreateChildForm parentId={input.parentId} onCreated={() => {}} />);
    type('Name', 'x'.repeat(201));
    type('Country code', 'E');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(errorOf('Name')).toBe('At most 200 characters.');
    expect(errorOf('Country code')).toBe('Two letters (ISO 3166-1), e.g. ES.');
  });

  it('sends once however often it is clicked, and shows the server’s error by field', async () => {
    let sent = 0;
    renderWith(<CreateChildForm parentId={input.parentId} onCreated={() => {}} />, {
      mocks: [
        {
          request: { query: CREATE, variables: { input } },
          delay: 50,
          maxUsageCount: 5,
          result: () => {
            sent += 1;
            return {
              data: {
                companyCreate: {
                  __typename: 'ValidationError',
                  code: 'INVALID_COUNTRY_CODE',
                  field: 'countryCode',
                  message: 'Not an ISO 3166-1 alpha-2 code',
                  minimum: null,
                  maximum: null,
                },
              },
            };
          },
        },
      ],
    });
    type('Name', 'Hotel Sol');
    type('Country code', 'zz');
    const button = screen.getByRole('button', { name: 'Create' });
    await act(async () => {
      fireEvent.click(button);
      fireEvent.click(button);
      fireEvent.submit(button.closest('form') as HTMLFormElement);
    });
    await waitFor(() => expect(errorOf('Country code')).toBe('Not a country code (ISO 3166-1 alpha-2).'));
    expect(sent).toBe(1);
  });
});

describe('archiving a company', () => {
  it('shows each blocker the server names', async () => {
    renderWith(<ArchiveAction company={{ id: 'Q29tcGFueToy', name: 'Hotel Sol' }} onArchived={() => {}} />, {
      mocks: [
        {
          request: { query: ARCHIVE, variables: { input: { id: 'Q29tcGFueToy' } } },
          result: {
            data: {
              companyArchive: {
                __typename: 'ArchiveBlockedError',
                code: 'ARCHIVE_BLOCKED',
                field: null,
                message: 'The company still has active users and children',
                blockers: ['ACTIVE_USERS', 'CHILDREN'],
              },
            },
          },
        },
      ],
    });
    fireEvent.click(screen.getByRole('button', { name: 'Archive' }));
    fireEvent.click(screen.getByRole('button', { name: 'Archive' })); // the confirmation's
    const alert = await screen.findByText('Hotel Sol cannot be archived yet:');
    const items = [...(alert.parentElement?.querySelectorAll('li') ?? [])].map((li) => li.dataset['blocker']);
    expect(items).toEqual(['ACTIVE_USERS', 'CHILDREN']);
  });
});

describe('idempotency keys', () => {
  it('stay the same across retries and change once the change went through', () => {
    const { result, rerender } = renderHook(() => useIdempotencyKey());
    const first = result.current.key;
    rerender();
    expect(result.current.key).toBe(first);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThanOrEqual(100); // the server's limit
    act(() => result.current.next());
    expect(result.current.key).not.toBe(first);
  });
});
