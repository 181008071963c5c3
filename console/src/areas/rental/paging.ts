// A list inside a detail page (not the page's own list): its cursor kept in the component,
// not the URL, with the same pager as the pages' lists.
import "../../i18n/rentalTexts";
import { useQuery } from "@tanstack/react-query";
import { createElement, useState } from "react";
import { CursorPager } from "../../shared/CursorPager";

interface Page {
  next_cursor?: string | null;
}

export function usePagedQuery<P extends Page>(key: unknown[], fetch: (cursor: string | undefined) => Promise<P>, enabled = true) {
  const [at, setAt] = useState<{ cursor: string | undefined; page: number }>({ cursor: undefined, page: 1 });
  const query = useQuery({ queryKey: [...key, at.cursor], queryFn: () => fetch(at.cursor), enabled });
  const pager = createElement(CursorPager, {
    page: at.page,
    next: query.data?.next_cursor,
    goTo: (cursor: string | null, page: number) => setAt({ cursor: cursor ?? undefined, page }),
  });
  return {
    data: query.data,
    isError: query.isError,
    error: query.error,
    isFetching: query.isFetching,
    refetch: () => void query.refetch(),
    pager: at.page > 1 || query.data?.next_cursor ? pager : null,
  };
}
