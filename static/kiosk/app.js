// Start-up of the kiosk (tablet) and of the online mode (residents' phones): translations,
// pairing, start-up data (from the network, else the copy on the device), the outbox, the
// heartbeat and the idle watch.

import { NetworkError, errorMessages, request } from "./api.js";
import { h, icon, setIconSprite } from "./dom.js";
import { Flow } from "./flow.js";
import { gettext, setCatalogs, setLanguage } from "./i18n.js";
import { IdleWatch } from "./idle.js";
import { Outbox } from "./outbox.js";
import { StaffPanel } from "./staff.js";
import { openStore } from "./store.js";
import { pairingView, unavailableView } from "./system.js";

const HEARTBEAT_MS = 60 * 1000;
// Topics, polls and today's events change during the day: fetched again between two people.
const BOOTSTRAP_MAX_AGE_MS = 5 * 60 * 1000;

const config = JSON.parse(document.getElementById("kiosk-config").textContent);
const kiosk = config.mode === "kiosk";
const state = { token: null, bootstrap: null, fetchedAt: 0, started: false };
let store;
let ui;
let flow;
let outbox;

async function boot() {
  setIconSprite(config.icons);
  setLanguage("de");
  ui = createUi();
  await loadCatalogs();
  store = await openStore(kiosk ? "kiezlabor-kiosk" : "kiezlabor-online");
  if (kiosk) registerServiceWorker();

  const staff = new StaffPanel({
    holder: ui.status,
    dialog: document.getElementById("staff-dialog"),
    onSendNow: () => outbox.resume(),
  });
  outbox = new Outbox({
    store,
    credentials: () => ({
      token: state.token,
      deployment: state.bootstrap?.deployment.id,
      ready: Boolean(state.bootstrap) && (!kiosk || Boolean(state.token)),
    }),
    onChange: (counts) => staff.update(counts),
    onUnauthorized: () => checkPairing(),
  });
  const idle = new IdleWatch({
    dialog: document.getElementById("idle-dialog"),
    onTimeout: () => flow.reset(),
  });
  flow = new Flow({ config, ui, outbox, idle, onReset: refreshIfStale });
  staff.update(await outbox.counts());

  if (kiosk) {
    state.token = await store.getMeta("token");
    const code = new URLSearchParams(location.search).get("code");
    if (code) {
      history.replaceState(null, "", location.pathname);
      const paired = await pair(code);
      if (!paired) return;
    }
    if (!state.token) {
      showPairing({});
      return;
    }
  }
  await loadBootstrap();
}

async function loadCatalogs() {
  try {
    const response = await fetch(config.catalog, { credentials: "omit" });
    if (response.ok) setCatalogs(await response.json());
  } catch {
    // Without the catalog every text shows in German; the service worker normally has it.
  }
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator) || !config.serviceWorker) return;
  navigator.serviceWorker.register(config.serviceWorker, { scope: config.scope }).catch(() => {
    // Without a service worker the kiosk still works online; the outbox is in IndexedDB.
  });
}

function bootstrapKey() {
  return "bootstrap:" + config.api.bootstrap;
}

async function loadBootstrap() {
  let response = null;
  try {
    response = await request(config.api.bootstrap, { token: state.token, language: "de" });
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
  }
  if (response?.ok) {
    await store.setMeta(bootstrapKey(), response.data);
    return start(response.data);
  }
  if (response?.status === 401 || response?.status === 403) {
    if (kiosk) return unpair();
  }
  if (response?.status === 404 && !kiosk) {
    return showUnavailable({
      title: gettext("Zurzeit ist hier keine Beteiligung möglich."),
      text: gettext("Schauen Sie gern wieder vorbei, wenn das Kiezlabor in Ihrem Kiez ist."),
    });
  }
  const stored = await store.getMeta(bootstrapKey());
  if (stored) return start(stored, { fresh: false });
  return showUnavailable({
    title: gettext("Keine Verbindung"),
    text: kiosk
      ? gettext("Das Tablet braucht einmal eine Verbindung zum Internet, um die Fragen zu laden. Bitte wenden Sie sich an das Team.")
      : gettext("Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es noch einmal."),
    onRetry: () => loadBootstrap(),
  });
}

function start(bootstrap, { fresh = true } = {}) {
  state.bootstrap = bootstrap;
  state.fetchedAt = fresh ? Date.now() : 0;
  flow.idle.configure(bootstrap.device?.idle_seconds ?? 90);
  flow.start(bootstrap);
  if (state.started) {
    // Paired again: what waited while the tablet was locked out can go now.
    outbox.resume();
    return;
  }
  state.started = true;
  outbox.start();
  if (kiosk) {
    heartbeat();
    setInterval(heartbeat, HEARTBEAT_MS);
  }
}

// Between two people, pick up new polls and today's events; never in the middle of a session.
async function refreshIfStale() {
  if (!state.bootstrap || Date.now() - state.fetchedAt < BOOTSTRAP_MAX_AGE_MS || !navigator.onLine) return;
  state.fetchedAt = Date.now();
  let response;
  try {
    response = await request(config.api.bootstrap, { token: state.token, language: "de" });
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    return;
  }
  if (response.status === 401 && kiosk) return unpair();
  if (!response.ok) return;
  await store.setMeta(bootstrapKey(), response.data);
  state.bootstrap = response.data;
  flow.idle.configure(response.data.device?.idle_seconds ?? 90);
  flow.nextBootstrap = response.data;
  if (flow.stack.length === 1 && flow.stack[0] === "language") flow.reset();
}

async function pair(code) {
  showPairing({ busy: true });
  let response;
  try {
    response = await request(config.api.pair, { method: "POST", body: { code }, language: "de" });
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    showPairing({ error: gettext("Keine Verbindung zum Server. Bitte prüfen Sie das Netz und versuchen Sie es noch einmal.") });
    return false;
  }
  if (response.status !== 201 && response.status !== 200) {
    const message = errorMessages(response.data)[0] || gettext("Das Koppeln hat nicht geklappt.");
    showPairing({ error: message });
    return false;
  }
  state.token = response.data.token;
  await store.setMeta("token", state.token);
  await forgetBootstrap();
  return true;
}

// A tablet paired anew may belong to another deployment: its old start-up data must go.
async function forgetBootstrap() {
  await store.deleteMeta(bootstrapKey());
  if (!("caches" in window)) return;
  for (const name of await caches.keys()) {
    if (name.startsWith("kiezlabor-kiosk-")) await (await caches.open(name)).delete(config.api.bootstrap);
  }
}

function showPairing({ revoked = false, error = null, busy = false }) {
  flow.leaveView();
  flow.idle.setActive(false);
  setLanguage("de");
  showSystem(
    pairingView({
      revoked,
      error,
      busy,
      onPair: async (code) => {
        if (await pair(code)) await loadBootstrap();
      },
    }),
  );
}

function showUnavailable(options) {
  flow.leaveView();
  flow.idle.setActive(false);
  showSystem(unavailableView(options));
}

function showSystem(view) {
  ui.show(view.body);
  ui.setBar({ start: null, title: "", end: null });
  view.mount?.();
  ui.focusHeading();
}

async function unpair() {
  state.token = null;
  state.bootstrap = null;
  await store.deleteMeta("token");
  showPairing({ revoked: true });
}

async function checkPairing() {
  let response;
  try {
    response = await request(config.api.bootstrap, { token: state.token, language: "de" });
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    return;
  }
  if (response.status === 401 || response.status === 403) await unpair();
}

async function heartbeat() {
  if (!state.token || !navigator.onLine) return;
  const { pending, held } = await outbox.counts();
  let response;
  try {
    response = await request(config.api.heartbeat, {
      method: "POST",
      body: { pending, rejected: held, app_version: config.version },
      token: state.token,
      language: "de",
    });
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    return;
  }
  if (response.status === 401 || response.status === 403) await unpair();
}

function createUi() {
  const bar = document.getElementById("bar");
  const screenElement = document.getElementById("screen");
  const start = h("div", { class: "bar-start" });
  // The title is the staff's text: its own direction, inside a bar that follows the resident's.
  const separator = h("span", { class: "bar-separator", "aria-hidden": "true", hidden: true, text: "·" });
  const title = h("span", { class: "bar-title", dir: "auto", hidden: true });
  const status = h("div", { class: "bar-status" });
  const end = h("div", { class: "bar-end" });
  bar.replaceChildren(
    start,
    h(
      "div",
      { class: "bar-brand" },
      icon("logo", "brand-logo"),
      h("span", { class: "brand-name", text: "Kiezlabor" }),
      separator,
      title,
    ),
    status,
    end,
  );
  return {
    status,
    show(body) {
      screenElement.replaceChildren(body);
      screenElement.removeAttribute("aria-busy");
      window.scrollTo(0, 0);
    },
    setBar({ start: startContent, title: titleValue, end: endContent }) {
      start.replaceChildren(...(startContent ? [startContent] : []));
      title.textContent = titleValue || "";
      title.hidden = separator.hidden = !titleValue;
      end.replaceChildren(...(endContent ? [endContent] : []));
    },
    focusHeading() {
      screenElement.querySelector("h1")?.focus({ preventScroll: true });
    },
  };
}

boot();
