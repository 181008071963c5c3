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

  /** A new search: the given filters, from the first page. */
  const search = useCallback(
    (next: Filters<K>) => {
      const out = new URLSearchParams();
      for (const key of keys) {
        const value = next[key]?.trim();
        if (value) out.set(key, value);
      }
      setParams(out);
    },
    [keys, setParams],
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
  return { filters, cursor, page, params, search, goTo, setExtra };
}

export const PHONE_SHAPE = /^1\d{10}$/;
