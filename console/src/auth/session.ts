// The signed-in session: the bearer token and when it expires, kept in localStorage so
// a new tab of the console is signed in too. Expiry is announced to whoever listens
// (the shell sends the user to sign-in and back).

const STORAGE = "kefu.session";

export interface Session {
  token: string;
  expiresAt: number;
}

let ended: "expired" | "signed_out" | null = null;
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
  ended = null;
  localStorage.setItem(STORAGE, JSON.stringify(session));
  changed();
  return session;
}

export function endSession(): void {
  localStorage.removeItem(STORAGE);
  changed();
}

/** The server refused the token (expired or no longer valid), or its time ran out: end it,
 * remembering why, so the shell sends the user to sign-in with a message. */
export function sessionExpired(): void {
  ended = "expired";
  endSession();
}

/** The user signed out: the next sign-in starts afresh, not on this page. */
export function signedOut(): void {
  ended = "signed_out";
  endSession();
}

/** How the last session ended, if it did. */
export function howEnded(): "expired" | "signed_out" | null {
  return ended;
}
