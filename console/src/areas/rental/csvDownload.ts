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
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    progress.bytes += value.byteLength;
    for (const byte of value) if (byte === NEWLINE) lines += 1;
    progress.rows = Math.max(0, lines - 1); // the header line is not a row
    onProgress({ ...progress });
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
