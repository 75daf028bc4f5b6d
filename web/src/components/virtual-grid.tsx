import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode, type SyntheticEvent } from 'react';

/** `<img onError>`: a sample without a stored image (upload mode `metadata`) shows its name on an empty tile, not a broken icon. */
export function hideBroken(event: SyntheticEvent<HTMLImageElement>): void {
  event.currentTarget.style.visibility = 'hidden';
}

// Rows drawn above and below the visible ones, so a fast scroll does not show blank rows before React catches up.
const OVERSCAN_ROWS = 3;

/** How a click or key press on a cell should change the selection. */
export interface SelectGesture {
  shift: boolean;
}

/**
 * A grid that renders only the rows in view: 100,000 items cost as much as the ~50 on screen. Keyboard: arrow keys,
 * Home/End and PageUp/PageDown move a roving focus; Enter opens the focused item, Space selects it (when the grid
 * selects; otherwise opens). Mouse: a click opens; ctrl/⌘-click selects, shift-click selects a range.
 */
export function VirtualGrid({
  id,
  count,
  cellSize,
  label,
  renderCell,
  onOpen,
  onSelect,
  isSelected,
  resetKey,
}: {
  id?: string;
  count: number;
  cellSize: number;
  label: string;
  renderCell: (position: number) => ReactNode;
  onOpen: (position: number) => void;
  onSelect?: (position: number, gesture: SelectGesture) => void;
  isSelected?: (position: number) => boolean;
  /** When it changes (another tag, other filters), the grid scrolls back to the top. */
  resetKey?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [height, setHeight] = useState(600);
  const [scrollTop, setScrollTop] = useState(0);
  const [focus, setFocus] = useState(0);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      setWidth(el.clientWidth);
      setHeight(el.clientHeight);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    if (focus >= count) setFocus(Math.max(0, count - 1));
  }, [count, focus]);
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
    setFocus(0);
  }, [resetKey]);

  // Never draw more than a window's worth of rows, even if a layout lets the scroller grow with its content.
  const viewHeight = Math.min(height, window.innerHeight);
  const columns = Math.max(1, Math.floor(width / cellSize));
  const rows = Math.ceil(count / columns);
  const firstRow = Math.max(0, Math.floor(scrollTop / cellSize) - OVERSCAN_ROWS);
  const lastRow = Math.min(rows - 1, Math.ceil((scrollTop + viewHeight) / cellSize) + OVERSCAN_ROWS);

  const moveTo = (position: number) => {
    const next = Math.max(0, Math.min(count - 1, position));
    setFocus(next);
    const el = scroller.current;
    if (!el) return;
    const top = Math.floor(next / columns) * cellSize;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + cellSize > el.scrollTop + el.clientHeight) el.scrollTop = top + cellSize - el.clientHeight;
    // The cell may not exist until the scroll renders it, so focus it on the next frame.
    requestAnimationFrame(() => el.querySelector<HTMLElement>(`[data-position="${next}"]`)?.focus());
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(viewHeight / cellSize)) * columns;
    const moves: Record<string, number> = {
      ArrowRight: focus + 1,
      ArrowLeft: focus - 1,
      ArrowDown: focus + columns,
      ArrowUp: focus - columns,
      PageDown: focus + page,
      PageUp: focus - page,
      Home: 0,
      End: count - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      moveTo(moves[event.key]);
    } else if (event.key === ' ' && onSelect !== undefined) {
      event.preventDefault();
      onSelect(focus, { shift: event.shiftKey });
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onOpen(focus);
    }
  };

  const cells: ReactNode[] = [];
  for (let row = firstRow; row <= lastRow; row++) {
    for (let col = 0; col < columns; col++) {
      const position = row * columns + col;
      if (position >= count) break;
      cells.push(
        <div
          key={position}
          role="option"
          aria-selected={isSelected === undefined ? position === focus : isSelected(position)}
          aria-setsize={count}
          aria-posinset={position + 1}
          className="grid-cell"
          data-position={position}
          tabIndex={position === focus ? 0 : -1}
          onClick={(event) => {
            setFocus(position);
            if (onSelect !== undefined && (event.ctrlKey || event.metaKey || event.shiftKey)) onSelect(position, { shift: event.shiftKey });
            else onOpen(position);
          }}
          onFocus={() => setFocus(position)}
          style={{ top: row * cellSize, left: col * cellSize, width: cellSize, height: cellSize }}
        >
          {renderCell(position)}
        </div>,
      );
    }
  }
  return (
    <div
      ref={scroller}
      id={id}
      aria-multiselectable={onSelect !== undefined ? true : undefined}
      className="virtual-grid"
      role="listbox"
      aria-label={label}
      onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: rows * cellSize, position: 'relative' }}>{cells}</div>
    </div>
  );
}
