import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

export const PAGE_SIZE = 50;

/** One page of `items`, with previous/next controls when there is more than one page. */
export function Paged<T>({ items, pageSize = PAGE_SIZE, label, children }: { items: T[]; pageSize?: number; label: string; children: (page: T[]) => ComponentChildren }) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  useEffect(() => {
    if (page >= pages) setPage(pages - 1);
  }, [page, pages]);
  const current = Math.min(page, pages - 1);
  return (
    <>
      {children(items.slice(current * pageSize, (current + 1) * pageSize))}
      {pages > 1 && (
        <nav class="pager" aria-label={`${label} pages`}>
          <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
            Previous
          </button>
          <span>
            Page {current + 1} of {pages} ({items.length} {label})
          </span>
          <button type="button" disabled={current === pages - 1} onClick={() => setPage(current + 1)}>
            Next
          </button>
        </nav>
      )}
    </>
  );
}
