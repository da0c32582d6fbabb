// Back to the start when nobody touches the tablet: a visible countdown first, so a resident
// who is still thinking can carry on.

import { h } from "./dom.js";
import { gettext, interpolate, ngettext } from "./i18n.js";

const ACTIVITY = ["pointerdown", "keydown", "input", "wheel", "touchstart"];
const LONGEST_WARNING = 15;

export class IdleWatch {
  constructor({ dialog, onTimeout }) {
    this.dialog = dialog;
    this.onTimeout = onTimeout;
    this.seconds = 90;
    this.active = false;
    this.lastActivity = Date.now();
    this.timer = null;
    this.countdown = null;
    for (const type of ACTIVITY) {
      document.addEventListener(type, () => this.poke(), { capture: true, passive: true });
    }
  }

  configure(seconds) {
    this.seconds = Math.max(Number(seconds) || 90, 20);
  }

  get warning() {
    return Math.min(LONGEST_WARNING, Math.floor(this.seconds / 2));
  }

  // Only screens with something of a resident on them count down.
  setActive(active) {
    this.active = active;
    this.poke();
    clearInterval(this.timer);
    this.timer = active ? setInterval(() => this.tick(), 1000) : null;
  }

  poke() {
    this.lastActivity = Date.now();
    if (this.dialog.open) this.dialog.close();
  }

  tick() {
    if (!this.active) return;
    const idle = (Date.now() - this.lastActivity) / 1000;
    const remaining = Math.ceil(this.seconds - idle);
    if (remaining <= 0) {
      this.setActive(false);
      if (this.dialog.open) this.dialog.close();
      this.onTimeout();
    } else if (remaining <= this.warning) {
      this.show(remaining);
    }
  }

  show(remaining) {
    if (!this.dialog.open) {
      this.countdown = h("p", { id: "idle-text", class: "idle-count" });
      this.dialog.replaceChildren(
        h("h2", { id: "idle-title", text: gettext("Sind Sie noch da?") }),
        this.countdown,
        h("p", { text: gettext("Dann werden Ihre Eingaben gelöscht, damit niemand sie sieht.") }),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "btn btn-primary", onclick: () => this.poke() }, gettext("Weitermachen")),
        ),
      );
      this.dialog.showModal();
    }
    this.countdown.textContent = interpolate(
      ngettext(
        "In %(count)s Sekunde geht es zurück zum Anfang.",
        "In %(count)s Sekunden geht es zurück zum Anfang.",
        remaining,
      ),
      { count: remaining },
      true,
    );
  }
}
