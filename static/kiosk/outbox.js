// Sending what residents submitted: stored first, then sent with retries and exponential
// backoff. The server treats the client UUID as an idempotency key, so sending twice is safe.
// What the server refuses (400, 409) stays on the device with its error for the team.

import { NetworkError, request } from "./api.js";

const FIRST_DELAY_MS = 2000;
const LONGEST_DELAY_MS = 5 * 60 * 1000;
const LIVE_TIMEOUT_MS = 6000;
const BACKGROUND_TIMEOUT_MS = 15000;

export const PENDING = "pending";
export const HELD = "held";

export class Outbox {
  constructor({ store, credentials, onChange, onUnauthorized }) {
    this.store = store;
    this.credentials = credentials;
    this.onChange = onChange;
    this.onUnauthorized = onUnauthorized;
    this.failures = 0;
    this.pausedUntil = 0;
    this.timer = null;
    this.running = null;
    this.inFlight = new Set();
  }

  start() {
    window.addEventListener("online", () => this.resume());
    this.resume();
  }

  resume() {
    this.failures = 0;
    this.pausedUntil = 0;
    return this.sync();
  }

  async counts() {
    const items = await this.store.items();
    return {
      pending: items.filter((item) => item.status === PENDING).length,
      held: items.filter((item) => item.status === HELD).length,
      items,
    };
  }

  // Store a new submission, then try to send it while the resident waits (briefly).
  // Returns {outcome: "sent" | "queued" | "held", data}.
  async submit(item) {
    const stored = { ...item, status: PENDING, attempts: 0, error: null };
    await this.store.putItem(stored);
    await this.changed();
    if (!navigator.onLine || Date.now() < this.pausedUntil) {
      this.schedule();
      return { outcome: "queued" };
    }
    const result = await this.send(stored, LIVE_TIMEOUT_MS);
    this.schedule();
    return result;
  }

  // Replace a refused submission by the resident's corrected one.
  async discard(clientUuid) {
    await this.store.deleteItem(clientUuid);
    await this.changed();
  }

  sync() {
    if (!this.running) {
      this.running = this.sendWaiting().finally(() => {
        this.running = null;
        this.schedule();
      });
    }
    return this.running;
  }

  async sendWaiting() {
    // Unpaired, the tablet keeps everything until the team pairs it again.
    if (!navigator.onLine || !this.credentials().ready) return;
    for (const item of await this.store.items()) {
      if (this.inFlight.has(item.client_uuid)) continue;
      if (Date.now() < this.pausedUntil) return;
      // The resident's own attempt may have sent or refused it meanwhile.
      const fresh = await this.store.getItem(item.client_uuid);
      if (!fresh || fresh.status !== PENDING) continue;
      const { outcome } = await this.send(fresh, BACKGROUND_TIMEOUT_MS);
      if (outcome === "queued" || outcome === "unauthorized") return;
    }
  }

  async send(item, timeout) {
    const credentials = this.credentials();
    if (credentials.deployment !== item.deployment) {
      // The tablet now belongs to another deployment: the input must not end up there.
      return this.hold(item, { status: 0, code: "other_deployment" });
    }
    this.inFlight.add(item.client_uuid);
    let response;
    try {
      response = await request(item.url, {
        method: "POST",
        body: item.body,
        token: credentials.token,
        language: item.body.language,
        timeout,
      });
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      return this.retryLater(item, 0);
    } finally {
      this.inFlight.delete(item.client_uuid);
    }
    if (response.ok) {
      this.failures = 0;
      this.pausedUntil = 0;
      await this.store.deleteItem(item.client_uuid);
      await this.changed();
      return { outcome: "sent", data: response.data };
    }
    if (response.status === 401 || response.status === 403) {
      this.onUnauthorized();
      return { outcome: "unauthorized" };
    }
    if (response.status === 400 || response.status === 409 || response.status === 413 || response.status === 422) {
      return this.hold(item, { status: response.status, data: response.data });
    }
    return this.retryLater(item, response.retryAfter * 1000);
  }

  async hold(item, error) {
    const held = { ...item, status: HELD, error, held_at: new Date().toISOString() };
    await this.store.putItem(held);
    await this.changed();
    return { outcome: "held", data: error.data };
  }

  async retryLater(item, serverDelayMs) {
    this.failures += 1;
    const backoff = Math.min(FIRST_DELAY_MS * 2 ** (this.failures - 1), LONGEST_DELAY_MS);
    const jitter = 0.8 + Math.random() * 0.4;
    this.pausedUntil = Date.now() + Math.max(backoff * jitter, serverDelayMs);
    await this.store.putItem({ ...item, attempts: (item.attempts || 0) + 1 });
    return { outcome: "queued" };
  }

  schedule() {
    clearTimeout(this.timer);
    const wait = Math.max(this.pausedUntil - Date.now(), 0);
    this.timer = setTimeout(() => this.sync(), wait || FIRST_DELAY_MS * 15);
  }

  async changed() {
    this.onChange(await this.counts());
  }
}
