// A small router over the History API: the portal lives under /portal (the server answers
// index.html for every path below it), and a route is a path pattern with `:params`.
import { useEffect, useState, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export const BASE = '/portal';

export interface Location {
  path: string; // below BASE, starting with '/'
  search: URLSearchParams;
}

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

export function parseLocation(href: string): Location {
  const url = new URL(href, 'http://portal.invalid');
  let path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : url.pathname;
  if (!path.startsWith('/')) path = `/${path}`;
  return { path, search: url.searchParams };
}

/** The current location, re-rendering on every navigation. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  return parseLocation(href);
}

/** The portal's own URL of a path (`/companies/1` → `/portal/companies/1`). */
export function href(path: string): string {
  return BASE + (path.startsWith('/') ? path : `/${path}`);
}

export function navigate(path: string, { replace = false } = {}): void {
  const target = href(path);
  if (target === snapshot()) return;
  if (replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  window.scrollTo?.(0, 0);
  notify();
}

/** The page to come back to after signing in again (path and query, below BASE). */
export function currentPage(): string {
  const { path, search } = parseLocation(snapshot());
  const query = search.toString();
  return path + (query ? `?${query}` : '');
}

/** Matches `/companies/:id` against a path; the params, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An anchor that navigates inside the portal (ctrl/cmd-click still opens a new tab). */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={href(to)} onClick={handle} {...rest} />;
}

/** Sets the document's title while a screen is shown. */
export function useTitle(title: string): void {
  const [previous] = useState(() => document.title);
  useEffect(() => {
    document.title = title;
    return () => {
      document.title = previous;
    };
  }, [title, previous]);
}
