// The printable receipt page needs the signed-in user's token, which a plain link does not
// carry: fetched with it, then opened from memory for the counter's printer.
import "../../i18n/rentalTexts";
import { currentSession } from "../../auth/session";

export async function openReceipt(serialNo: string): Promise<void> {
  const session = currentSession();
  const response = await fetch(`/api/v1/rental/topups/${encodeURIComponent(serialNo)}/receipt.html`, {
    headers: session ? { Authorization: `Bearer ${session.token}` } : {},
  });
  if (!response.ok) throw new Error(`${response.status}`);
  const url = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
  window.open(url, "_blank", "noopener");
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
