// Who is signed in and what they may use, both from GET /api/v1/auth/me (the gateway reads
// its own route table): the console keeps no copy of who may call what.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { api, unwrap, type RouteKey, type Schemas } from "../api/client";
import { currentToken, onSessionChange, signedOut } from "./session";

interface Auth {
  me: Schemas["MeOut"] | undefined;
  loading: boolean;
  error: unknown;
  can: (route: RouteKey) => boolean;
  signOut: () => void;
}

const Context = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const token = useSyncExternalStore(onSessionChange, currentToken);
  const signedIn = token !== null;
  const me = useQuery({
    queryKey: ["me", token],
    queryFn: () => unwrap(api.GET("/api/v1/auth/me")),
    enabled: signedIn,
    staleTime: 60_000,
  });
  const routes = useMemo(() => new Set(me.data?.routes ?? []), [me.data]);
  const can = useCallback((route: RouteKey) => routes.has(route), [routes]);
  const signOut = useCallback(() => {
    signedOut();
    client.clear();
  }, [client]);
  const value = useMemo(
    () => ({ me: me.data, loading: signedIn && me.isLoading, error: me.error, can, signOut }),
    [me.data, me.isLoading, me.error, signedIn, can, signOut],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(Context);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}
