import { useEffect, useState } from 'react';

/**
 * Hash routes with a query: `#/datasets/<id>/explore?tag=…&v.weather=sunny&sample=…`. The path names the screen;
 * the query holds the view (filters, tag, open sample, map view, sampling run), so Back/Forward step through views
 * and a link reproduces one for a colleague. The server only serves index.html at `/`.
 */
export interface Route {
  /** `['datasets', '<id>', 'explore']` */
  path: string[];
  params: URLSearchParams;
}

const ROUTE_EVENT = 'winnow:route';

function parse(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const q = text.indexOf('?');
  const pathText = q < 0 ? text : text.slice(0, q);
  return {
    path: pathText
      .split('/')
      .filter((part) => part !== '')
      .map(decodeURIComponent),
    params: new URLSearchParams(q < 0 ? '' : text.slice(q + 1)),
  };
}

export function currentRoute(): Route {
  return parse(window.location.hash);
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    window.addEventListener('popstate', onChange);
    window.addEventListener(ROUTE_EVENT, onChange);
    return () => {
      window.removeEventListener('hashchange', onChange);
      window.removeEventListener('popstate', onChange);
      window.removeEventListener(ROUTE_EVENT, onChange);
    };
  }, []);
  return parse(hash);
}

/** `'/datasets/a b/explore'`, `{ tag: 'x' }` → `'#/datasets/a%20b/explore?tag=x'` */
export function href(path: string[] | string, params?: URLSearchParams): string {
  const pathText = typeof path === 'string' ? path : '/' + path.map(encodeURIComponent).join('/');
  const query = params?.toString() ?? '';
  return `#${pathText}${query === '' ? '' : `?${query}`}`;
}

/**
 * Goes to a view. `replace` rewrites the current history entry instead of adding one: for changes made many times a
 * second (a slider, typing), so Back goes to the previous view, not the previous keystroke.
 */
export function navigate(target: string, options: { replace?: boolean } = {}): void {
  const url = target.startsWith('#') ? target : `#${target}`;
  if (url === window.location.hash) return;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new Event(ROUTE_EVENT));
}

let lastKey = '';
let lastAt = 0;

/**
 * Changes some query parameters of the current view (`null` deletes one). Repeated changes of the same parameters
 * within a second replace the history entry, so dragging a slider leaves one Back step.
 */
export function setParams(changes: Record<string, string | string[] | null>, options: { replace?: boolean } = {}): void {
  const { path, params } = currentRoute();
  for (const [key, value] of Object.entries(changes)) {
    params.delete(key);
    if (value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  const key = Object.keys(changes).sort().join('&');
  const now = performance.now();
  const replace = options.replace ?? (key === lastKey && now - lastAt < 1000);
  lastKey = key;
  lastAt = now;
  navigate(href(path, params), { replace });
}
