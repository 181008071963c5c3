// One Idempotency-Key per user action, kept until that action ends: a double click joins
// the request already on its way, and sending again after a transient failure (network,
// 5xx, request_in_progress) reuses the key, so the gateway acts at most once.
import { useCallback, useRef, useState } from "react";
import { ApiError } from "../api/errors";

export function newKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // Plain-http pages (not a secure context) have no randomUUID, but have getRandomValues.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The key logic without React: what the hook and its tests share. */
export class IdempotentAction<A, R> {
  private key: string | null = null;
  private inflight: Promise<R> | null = null;

  constructor(private readonly send: (key: string, args: A) => Promise<R>) {}

  get running(): boolean {
    return this.inflight !== null;
  }

  get currentKey(): string | null {
    return this.key;
  }

  run(args: A): Promise<R> {
    if (this.inflight) return this.inflight;
    this.key ??= newKey();
    const key = this.key;
    const pending = this.send(key, args).then(
      (result) => {
        this.key = null; // answered: the action has ended
        return result;
      },
      (error: unknown) => {
        // A definite refusal ends the action; a transient failure keeps the key for the retry.
        if (!(error instanceof ApiError && error.transient)) this.key = null;
        throw error;
      },
    );
    this.inflight = pending.finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** The user gave up (closed the dialog): the next click is a new action. */
  end(): void {
    if (!this.inflight) this.key = null;
  }
}

export function useIdempotentAction<A, R>(send: (key: string, args: A) => Promise<R>) {
  const sendRef = useRef(send);
  sendRef.current = send;
  const action = useRef(new IdempotentAction<A, R>((key, args) => sendRef.current(key, args)));
  const [running, setRunning] = useState(false);
  const run = useCallback(async (args: A): Promise<R> => {
    setRunning(true);
    try {
      return await action.current.run(args);
    } finally {
      setRunning(action.current.running);
    }
  }, []);
  const end = useCallback(() => action.current.end(), []);
  return { run, running, end };
}

/** The header a command is sent with: the key of the user's one action. */
export const keyed = (key: string) => ({ "Idempotency-Key": key });
