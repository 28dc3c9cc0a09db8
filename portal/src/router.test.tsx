import { describe, expect, it } from 'vitest';
import { href, match, parseLocation } from './router';
import { nextPage } from './screens/SignIn';

describe('the router', () => {
  it('reads paths below /portal', () => {
    expect(parseLocation('/portal/accept-invitation?token=abc').path).toBe('/accept-invitation');
    expect(parseLocation('/portal/accept-invitation?token=abc').search.get('token')).toBe('abc');
    expect(parseLocation('/portal').path).toBe('/');
    expect(href('/companies/1')).toBe('/portal/companies/1');
  });

  it('matches patterns with parameters, decoded', () => {
    expect(match('/companies/:id', '/companies/Q29tcGFueTox%3D')).toEqual({ id: 'Q29tcGFueTox=' });
    expect(match('/companies/:id', '/companies')).toBeNull();
    expect(match('/companies', '/profile')).toBeNull();
  });

  it('comes back only to a page of the portal after signing in', () => {
    const next = (value: string) => nextPage(new URLSearchParams({ next: value }));
    expect(next('/companies/Q29tcGFueToy')).toBe('/companies/Q29tcGFueToy');
    expect(next('//evil.example/')).toBe('/companies');
    expect(next('https://evil.example/')).toBe('/companies');
    expect(next('/sign-in?next=/x')).toBe('/companies');
    expect(nextPage(new URLSearchParams())).toBe('/companies');
  });
});
