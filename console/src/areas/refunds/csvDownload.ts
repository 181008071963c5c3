// A CSV report downloaded as the gateway streams it: the response body is read chunk by
// chunk, so a long export shows the rows and bytes received so far, then is saved as a file.
import { currentSession } from "../../auth/session";
import { ApiError } from "../../api/errors";
import "../../i18n/refundTexts";

export interface Progress {
  bytes: number;
  /** Lines received so far, the heading included. */
  rows: number;
  done: boolean;
}

/** Counts what arrived: the bytes, and the rows by their line ends (quoted fields may hold none). */
export function counter() {
  let bytes = 0;
  let rows = 0;
  return {
    add(chunk: Uint8Array): Progress {
      bytes += chunk.byteLength;
      for (const b of chunk) if (b === 10) rows += 1;
      return { bytes, rows, done: false };
    },
  };
}

/** The file name the service gives (Content-Disposition), or the fallback. */
export function fileName(disposition: string | null, fallback: string): string {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition ?? "");
  return match?.[1] ? decodeURIComponent(match[1]) : fallback;
}

export async function downloadCsv(
  path: string,
  query: Record<string, string>,
  onProgress: (p: Progress) => void,
  signal?: AbortSignal,
): Promise<void> {
  const url = `${path}?${new URLSearchParams(query).toString()}`;
  const headers: Record<string, string> = {};
  const session = currentSession();
  if (session) headers.Authorization = `Bearer ${session.token}`;
  let response: Response;
  try {
    response = await globalThis.fetch(url, { headers, signal });
  } catch (cause) {
    throw new ApiError(0, "network", cause instanceof Error ? cause.message : String(cause));
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(response.status, body.code ?? `http_${response.status}`, body.message ?? response.statusText);
  }
  const chunks: Uint8Array[] = [];
  const count = counter();
  let last: Progress = { bytes: 0, rows: 0, done: false };
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      last = count.add(value);
      onProgress(last);
    }
  }
  onProgress({ ...last, done: true });
  const blob = new Blob(chunks as BlobPart[], { type: "text/csv;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = fileName(response.headers.get("Content-Disposition"), path.split("/").pop() ?? "report.csv");
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
