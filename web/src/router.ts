import { useEffect, useState } from 'react';

/**
 * Hash routes (`#/datasets/<id>/explore`): the server only has to serve index.html at `/`, and a reload keeps the
 * screen. → `['datasets', '<id>', 'explore']`
 */
export function useHashRoute(): string[] {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
}

export function navigate(path: string): void {
  window.location.hash = path;
}
