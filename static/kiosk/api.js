// HTTP with the server. Every request names the resident's language, so that the server's
// messages come back in it; the tablet authenticates with its device token.

export class NetworkError extends Error {}

export async function request(url, { method = "GET", body, token, language, timeout = 10000 } = {}) {
  const headers = { Accept: "application/json" };
  if (language) headers["Accept-Language"] = language;
  if (token) headers.Authorization = "Device " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      signal: controller.signal,
    });
  } catch (error) {
    throw new NetworkError(String(error));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return {
    status: response.status,
    ok: response.ok,
    data,
    retryAfter: Number(response.headers.get("Retry-After")) || 0,
  };
}

// The messages of a DRF error body, flattened: {"text": ["…"], "non_field_errors": ["…"]}.
export function errorMessages(data) {
  const messages = [];
  const walk = (value) => {
    if (typeof value === "string") messages.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(data);
  return messages;
}
