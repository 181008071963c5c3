// The signed-in session: the bearer token and when it expires, kept in localStorage so
// a new tab of the console is signed in too. Expiry is announced to whoever listens
// (the shell sends the user to sign-in and back).

const STORAGE = "kefu.session";

export interface Session {
  token: string;
  expiresAt: number;
}

type ExpiryListener = (reason: "expired") => void;
const listeners = new Set<ExpiryListener>();
const changes = new Set<() => void>();

/** For useSyncExternalStore: who is signed in changed (signed in, out, or expired). */
export function onSessionChange(listener: () => void): () => void {
  changes.add(listener);
  return () => changes.delete(listener);
}

function changed(): void {
  for (const listener of changes) listener();
}

/** The token, or null: a stable value to compare, where the session object is not. */
export function currentToken(): string | null {
  return currentSession()?.token ?? null;
}

export function currentSession(): Session | null {
  const raw = localStorage.getItem(STORAGE);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Session;
    return typeof parsed.token === "string" && typeof parsed.expiresAt === "number" ? parsed : null;
  } catch {
    return null;
  }
}

export function startSession(token: string, expiresInSeconds: number, now = Date.now()): Session {
  const session = { token, expiresAt: now + expiresInSeconds * 1000 };
  localStorage.setItem(STORAGE, JSON.stringify(session));
  changed();
  return session;
}

export function endSession(): void {
  localStorage.removeItem(STORAGE);
  changed();
}

/** The server refused the token (expired or no longer valid): end it and tell the shell. */
export function sessionExpired(): void {
  endSession();
  for (const listener of listeners) listener("expired");
}

export function onSessionExpired(listener: ExpiryListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
