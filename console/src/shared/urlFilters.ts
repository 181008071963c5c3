// Filters live in the URL, so Back and a shared link show the same list.
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router-dom";

export type Filters<K extends string> = Partial<Record<K, string>>;

export function useUrlFilters<K extends string>(keys: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => {
    const found: Filters<K> = {};
    for (const key of keys) {
      const value = params.get(key);
      if (value) found[key] = value;
    }
    return found;
  }, [params, keys]);
  const cursor = params.get("cursor") ?? undefined;
  const page = Number(params.get("page") ?? "1") || 1;
  const asked = Number(params.get("limit"));
  const limit = (PAGE_SIZES as readonly number[]).includes(asked) ? asked : PAGE_SIZES[0];

  /** A new search: the given filters, from the first page. */
  const search = useCallback(
    (next: Filters<K>) => {
      setParams((current) => {
        const out = new URLSearchParams();
        for (const key of keys) {
          const value = next[key]?.trim();
          if (value) out.set(key, value);
        }
        const size = current.get("limit");
        if (size) out.set("limit", size); // the page size is the user's, not the search's
        return out;
      });
    },
    [keys, setParams],
  );
  /** Another page size: the same filters from the first page. */
  const setLimit = useCallback(
    (size: number) => {
      setParams((current) => {
        const out = new URLSearchParams(current);
        out.delete("cursor");
        out.delete("page");
        if (size === PAGE_SIZES[0]) out.delete("limit");
        else out.set("limit", String(size));
        return out;
      });
    },
    [setParams],
  );
  /** The same filters, another page (a new history entry: Back returns to this one). */
  const goTo = useCallback(
    (nextCursor: string | null, nextPage: number) => {
      setParams((current) => {
        const out = new URLSearchParams(current);
        if (nextCursor) out.set("cursor", nextCursor);
        else out.delete("cursor");
        if (nextPage > 1) out.set("page", String(nextPage));
        else out.delete("page");
        return out;
      });
    },
    [setParams],
  );
  const setExtra = useCallback(
    (key: string, value: string | null) => {
      setParams((current) => {
        const out = new URLSearchParams(current);
        if (value) out.set(key, value);
        else out.delete(key);
        return out;
      });
    },
    [setParams],
  );
  return { filters, cursor, page, limit, params, search, goTo, setLimit, setExtra };
}

export const PAGE_SIZES = [20, 50, 100] as const;

export const PHONE_SHAPE = /^1\d{10}$/;
