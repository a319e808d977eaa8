// Client-side routing over the History API: a handful of routes do not need a router package.
// Every route is a real URL under /console (the server answers index.html for all of them), so
// deep links and reloads work.

import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';

/** Where the console is mounted; vite's `base` without its trailing slash. */
export const CONSOLE_BASE = '/console';

/** The console's pages. */
export type Route =
  { page: 'runs' } | { page: 'run'; runId: string } | { page: 'workflows' } | { page: 'agents' } | { page: 'not-found'; path: string };

/** Reads a path inside the console (without the base), e.g. `/runs/abc`. */
export function matchRoute(path: string): Route {
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'runs')) return { page: 'runs' };
  if (parts.length === 2 && parts[0] === 'runs' && parts[1]) {
    try {
      return { page: 'run', runId: decodeURIComponent(parts[1]) };
    } catch {
      return { page: 'not-found', path };
    }
  }
  if (parts.length === 1 && parts[0] === 'workflows') return { page: 'workflows' };
  if (parts.length === 1 && parts[0] === 'agents') return { page: 'agents' };
  return { page: 'not-found', path };
}

/** The console path of a run's page. */
export function runPath(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}

interface RouterValue {
  /** The current path inside the console, e.g. `/runs/abc` (always starts with `/`). */
  path: string;
  /** Goes to a path inside the console, adding a history entry. */
  navigate: (to: string) => void;
}

const RouterContext = createContext<RouterValue | null>(null);

function currentPath(): string {
  const { pathname } = window.location;
  const inside = pathname.startsWith(CONSOLE_BASE) ? pathname.slice(CONSOLE_BASE.length) : pathname;
  return inside.startsWith('/') ? inside : `/${inside}`;
}

/** Provides the current route to the console; follows the browser's back and forward buttons. */
export function RouterProvider({ children }: { children: ReactNode }) {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const onPopState = () => setPath(currentPath());
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);
  const navigate = useCallback((to: string) => {
    window.history.pushState(null, '', CONSOLE_BASE + to);
    setPath(currentPath());
    window.scrollTo(0, 0);
  }, []);
  const value = useMemo(() => ({ path, navigate }), [path, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

/** The current path and `navigate`; only inside {@link RouterProvider}. */
export function useRouter(): RouterValue {
  const value = useContext(RouterContext);
  if (!value) throw new Error('useRouter outside RouterProvider');
  return value;
}

/** A real link (it opens in a new tab, copies, and works without JavaScript's help) that navigates in place on a plain click. */
export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { path, navigate } = useRouter();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a {...rest} href={CONSOLE_BASE + to} onClick={onClick} aria-current={path === to ? 'page' : undefined}>
      {children}
    </a>
  );
}
