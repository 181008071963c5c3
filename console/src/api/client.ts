// The typed client of the gateway's API, generated from its OpenAPI (schema.d.ts).
import createClient, { type Middleware } from "openapi-fetch";
import { currentSession, sessionExpired } from "../auth/session";
import { ApiError } from "./errors";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

const auth: Middleware = {
  onRequest({ request }) {
    const session = currentSession();
    if (session) request.headers.set("Authorization", `Bearer ${session.token}`);
    return request;
  },
  onResponse({ request, response }) {
    // A refused token mid-session: back to sign-in. Signing in itself answers 401 too.
    if (response.status === 401 && request.headers.has("Authorization")) sessionExpired();
    return response;
  },
};

// The page's own origin (the gateway serves both); fetch looked up per call, so a test can stub it.
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  fetch: (request: Request) => globalThis.fetch(request),
});
api.use(auth);

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's body, or an ApiError with the server's code and message. */
export async function unwrap<T>(pending: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await pending;
  } catch (cause) {
    throw new ApiError(0, "network", cause instanceof Error ? cause.message : String(cause));
  }
  if (answer.response.ok && answer.data !== undefined) return answer.data;
  const body = (answer.error ?? {}) as { code?: unknown; message?: unknown; detail?: unknown };
  const code = typeof body.code === "string" ? body.code : `http_${answer.response.status}`;
  const message = typeof body.message === "string" ? body.message : answer.response.statusText;
  throw new ApiError(answer.response.status, code, message);
}

/** May the signed-in user call this route? From /auth/me, which reads the gateway's table. */
export type RouteKey = `${"GET" | "POST" | "PUT" | "DELETE"} ${keyof paths & string}`;
