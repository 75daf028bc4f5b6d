import { useEffect, useRef, useState, type ImgHTMLAttributes, type KeyboardEvent, type ReactNode, type SyntheticEvent } from 'react';

/** `<img onError>`: a sample without a stored image (upload mode `metadata`) shows its name on an empty tile, not a broken icon. */
export function hideBroken(event: SyntheticEvent<HTMLImageElement>): void {
  event.currentTarget.style.visibility = 'hidden';
}

// Rows drawn above and below the visible ones, so a fast scroll does not show blank rows before React catches up.
const OVERSCAN_ROWS = 3;
// The grid counts as scrolling until this long after the last scroll event.
const SCROLL_SETTLE_MS = 120;

/** How a click or key press on a cell should change the selection. */
export interface SelectGesture {
  shift: boolean;
}

// Thumbnails loading at once. A browser opens six connections to a server; with at most four taken by images, the
// app's own questions (a filter's answer, the next page of names) never wait behind a screenful of thumbnails.
const IMAGE_SLOTS = 4;
let imagesLoading = 0;
const waitingImages: (() => void)[] = [];
function nextImage(): void {
  while (imagesLoading < IMAGE_SLOTS && waitingImages.length > 0) {
    imagesLoading++;
    (waitingImages.shift() as () => void)();
  }
}

/**
 * An image that starts loading when one of the few image slots is free, and only once `hold` is off: a grid cell
 * mounted while the grid is being flung holds its thumbnail, so the hundreds of cells that only fly past never
 * queue image requests at all.
 */
export function HeldImage({ hold, onLoad, onError, ...image }: { hold: boolean } & ImgHTMLAttributes<HTMLImageElement>) {
  const [started, setStarted] = useState(false);
  const [finished, setFinished] = useState(false);
  useEffect(() => {
    if (hold || finished) return;
    // The slot is this effect's from the moment it is granted until the image has loaded (or failed) or the cell
    // leaves: one cleanup gives it back, whichever comes first.
    let granted = false;
    const start = () => {
      granted = true;
      setStarted(true);
    };
    waitingImages.push(start);
    nextImage();
    return () => {
      const k = waitingImages.indexOf(start);
      if (k >= 0) waitingImages.splice(k, 1);
      if (granted) {
        imagesLoading--;
        nextImage();
      }
    };
  }, [hold, finished]);
  if (!started) return null;
  return (
    <img
      {...image}
      onLoad={(e) => {
        setFinished(true);
        onLoad?.(e);
      }}
      onError={(e) => {
        setFinished(true);
        onError?.(e);
      }}
    />
  );
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
  /** `scrolling`: the grid is being scrolled now (cells that only fly past should not start loading images). */
  renderCell: (position: number, scrolling: boolean) => ReactNode;
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
  const [scrolling, setScrolling] = useState(false);
  const settle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(settle.current), []);

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
          {renderCell(position, scrolling)}
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
      onScroll={(e) => {
        setScrollTop((e.target as HTMLDivElement).scrollTop);
        setScrolling(true);
        clearTimeout(settle.current);
        settle.current = setTimeout(() => setScrolling(false), SCROLL_SETTLE_MS);
      }}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: rows * cellSize, position: 'relative' }}>{cells}</div>
    </div>
  );
}
