import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { currentRoute, setParams } from './router';
import { decodeSelection, encodeSelection } from './selection-param';

/**
 * The one selection model of the dataset screens (Explore, the map, the Sampling preview): a set of sample indices
 * (dataset order). It lives above the screens, so it survives tab switches.
 */
export interface Selection {
  /** Selected sample indices. */
  readonly set: ReadonlySet<number>;
  readonly size: number;
  has(index: number): boolean;
  /**
   * A click on item `position` of `order` (the indices as shown): plain or ctrl/⌘ toggles it, shift adds the range
   * from the last clicked item.
   */
  click(order: ArrayLike<number>, position: number, modifiers: { shift?: boolean }): void;
  replace(indices: Iterable<number>): void;
  add(indices: Iterable<number>): void;
  clear(): void;
}

/**
 * The dataset's selection, also kept in the URL (`sel=`) while it is short enough to share: a reload or a colleague's
 * link brings it back.
 */
export function useSelection(): Selection {
  const [set, setSet] = useState<ReadonlySet<number>>(() => new Set(decodeSelection(currentRoute().params.get('sel') ?? '')));
  const first = useRef(true);
  useEffect(() => {
    // The first render took the selection from the URL; later changes write it back (replace: a click is not a page).
    if (first.current) {
      first.current = false;
      return;
    }
    setParams({ sel: set.size === 0 ? null : encodeSelection(set) }, { replace: true });
  }, [set]);
  // The anchor is an index, not a position: positions move when filters change.
  const anchor = useRef<number | null>(null);

  const click = useCallback((order: ArrayLike<number>, position: number, modifiers: { shift?: boolean }) => {
    const index = order[position];
    const from = anchor.current === null ? -1 : Array.prototype.indexOf.call(order, anchor.current);
    if (modifiers.shift && from >= 0) {
      const [lo, hi] = from < position ? [from, position] : [position, from];
      setSet((prev) => {
        const next = new Set(prev);
        for (let p = lo; p <= hi; p++) next.add(order[p]);
        return next;
      });
    } else {
      setSet((prev) => {
        const next = new Set(prev);
        if (next.has(index)) next.delete(index);
        else next.add(index);
        return next;
      });
    }
    anchor.current = index;
  }, []);
  const replace = useCallback((indices: Iterable<number>) => {
    anchor.current = null;
    setSet(new Set(indices));
  }, []);
  const add = useCallback((indices: Iterable<number>) => {
    setSet((prev) => {
      const next = new Set(prev);
      for (const i of indices) next.add(i);
      return next;
    });
  }, []);
  const clear = useCallback(() => {
    anchor.current = null;
    setSet(new Set());
  }, []);
  return useMemo(() => ({ set, size: set.size, has: (i: number) => set.has(i), click, replace, add, clear }), [set, click, replace, add, clear]);
}
