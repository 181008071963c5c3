import { vi } from "vitest";
import { ApiError } from "../src/api/errors";
import { voidVoucher } from "../src/areas/vouchers/actions";
import { IdempotentAction } from "../src/shared/idempotency";

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const OK = { operation_id: "0b6a5c1e-9d3f-4d1a-8f2e-1c2d3e4f5a6b", status: "succeeded", failure: null };

test("a double click sends one request", async () => {
  const send = vi.fn(async (key: string) => key);
  const action = new IdempotentAction(send);
  const [a, b] = await Promise.all([action.run(null), action.run(null)]);
  expect(send).toHaveBeenCalledTimes(1);
  expect(a).toBe(b);
});

test("a transient failure keeps the key for the retry; an answer ends the action", async () => {
  const keys: string[] = [];
  let fail = true;
  const action = new IdempotentAction(async (key: string) => {
    keys.push(key);
    if (fail) throw new ApiError(503, "service_unavailable", "down");
    return "done";
  });
  await expect(action.run(null)).rejects.toThrow("down");
  fail = false;
  await action.run(null);
  expect(keys[0]).toBe(keys[1]);
  await action.run(null); // a new user action after the answer
  expect(keys[2]).not.toBe(keys[1]);
});

test("a refusal ends the action, and so does closing the dialog", async () => {
  const keys: string[] = [];
  const action = new IdempotentAction(async (key: string) => {
    keys.push(key);
    throw new ApiError(409, "voucher_used", "used");
  });
  await expect(action.run(null)).rejects.toThrow();
  await expect(action.run(null)).rejects.toThrow();
  expect(keys[0]).not.toBe(keys[1]);
  const kept = new IdempotentAction(async (key: string) => {
    keys.push(key);
    throw new ApiError(0, "network", "offline");
  });
  await expect(kept.run(null)).rejects.toThrow();
  kept.end();
  await expect(kept.run(null)).rejects.toThrow();
  expect(keys[2]).not.toBe(keys[3]);
});

test("the key travels as the Idempotency-Key header, the same on a resend", async () => {
  const seen: (string | null)[] = [];
  const responses = [answer(503, { code: "service_unavailable", message: "down" }), answer(200, OK)];
  vi.stubGlobal("fetch", async (request: Request) => {
    seen.push(request.headers.get("Idempotency-Key"));
    return responses.shift();
  });
  const action = new IdempotentAction((key: string, reason: string) => voidVoucher(key, "22015000000000000001", reason));
  await expect(action.run("customer asked")).rejects.toMatchObject({ code: "service_unavailable" });
  await expect(action.run("customer asked")).resolves.toMatchObject({ status: "succeeded" });
  expect(seen).toHaveLength(2);
  expect(seen[0]).toMatch(/^[0-9a-f-]{36}$/);
  expect(seen[1]).toBe(seen[0]);
  vi.unstubAllGlobals();
});
