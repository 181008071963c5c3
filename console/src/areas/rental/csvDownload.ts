// A long CSV read as a stream, so the page can show how much has arrived (bytes and rows)
// while the server is still sending; saved once complete, under the server's file name.
import "../../i18n/rentalTexts";
import { currentSession } from "../../auth/session";
import { ApiError } from "../../api/errors";

export interface Progress {
  bytes: number;
  rows: number;
  done: boolean;
}

const NEWLINE = 10;
/** At most this often a new progress to draw: a long export arrives in thousands of chunks,
 * and a person reads a counter ten times a second at best. */
export const PROGRESS_EVERY_MS = 100;

/** Line ends in a chunk, by the typed array's own search (a loop over every byte in
 * script is what a 100 MB export would spend its time on). */
function lineEnds(chunk: Uint8Array): number {
  let count = 0;
  for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) count += 1;
  return count;
}

/** The export's progress kept outside React state: the component that shows it subscribes
 * (useSyncExternalStore), so each update redraws the progress line, not the whole page. */
export function progressFeed() {
  let current: Progress | null = null;
  const listeners = new Set<() => void>();
  return {
    get: (): Progress | null => current,
    set(next: Progress | null): void {
      current = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
export type ProgressFeed = ReturnType<typeof progressFeed>;

export async function downloadCsv(url: string, onProgress: (p: Progress) => void, signal?: AbortSignal): Promise<Progress> {
  const session = currentSession();
  const response = await fetch(url, { headers: session ? { Authorization: `Bearer ${session.token}` } : {}, signal });
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(response.status, body.code ?? `http_${response.status}`, body.message ?? response.statusText);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  const progress: Progress = { bytes: 0, rows: 0, done: false };
  let lines = 0;
  let shown = -Infinity;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    progress.bytes += value.byteLength;
    lines += lineEnds(value);
    progress.rows = Math.max(0, lines - 1); // the header line is not a row
    const now = performance.now();
    if (now - shown >= PROGRESS_EVERY_MS) {
      shown = now;
      onProgress({ ...progress });
    }
  }
  progress.done = true;
  onProgress({ ...progress });
  const name = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "export.csv";
  const href = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: "text/csv" }));
  const link = document.createElement("a");
  link.href = href;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return progress;
}
