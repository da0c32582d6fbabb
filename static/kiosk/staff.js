// For the team, always in German: a small badge with the inputs waiting on the tablet, and a
// dialog that lists refused ones with the server's reason. It never shows what a resident
// wrote, only kind, time and error.

import { errorMessages } from "./api.js";
import { h, icon } from "./dom.js";
import { gettext_noop, gettextIn, interpolate } from "./i18n.js";
import { HELD } from "./outbox.js";

const de = (msgid) => gettextIn("de", msgid);

const KIND_LABELS = {
  idea: gettext_noop("Idee oder Anliegen"),
  poll: gettext_noop("Umfrage"),
  feedback: gettext_noop("Rückmeldung zu einer Veranstaltung"),
};

export class StaffPanel {
  constructor({ holder, dialog, onSendNow }) {
    this.holder = holder;
    this.dialog = dialog;
    this.onSendNow = onSendNow;
    this.counts = { pending: 0, held: 0, items: [] };
    window.addEventListener("online", () => this.render());
    window.addEventListener("offline", () => this.render());
  }

  update(counts) {
    this.counts = counts;
    this.render();
    if (this.dialog.open) this.fillDialog();
  }

  render() {
    const { pending, held } = this.counts;
    const offline = !navigator.onLine;
    if (!pending && !held && !offline) {
      this.holder.replaceChildren();
      return;
    }
    const parts = [];
    if (offline) parts.push(de(gettext_noop("ohne Netz")));
    if (pending) parts.push(interpolate(de(gettext_noop("wartend: %(count)s")), { count: pending }, true));
    if (held) parts.push(interpolate(de(gettext_noop("abgelehnt: %(count)s")), { count: held }, true));
    const badge = h(
      "button",
      {
        type: "button",
        class: "staff-badge" + (held ? " has-held" : ""),
        lang: "de",
        dir: "ltr",
        "aria-label": de(gettext_noop("Für das Team:")) + " " + parts.join(", "),
        onclick: () => this.open(),
      },
      icon(offline ? "cloud-off" : "cloud"),
      h("span", { text: parts.join(" · ") }),
    );
    this.holder.replaceChildren(badge);
  }

  open() {
    this.fillDialog();
    this.dialog.showModal();
  }

  fillDialog() {
    const { pending, held, items } = this.counts;
    const refused = items.filter((item) => item.status === HELD);
    const children = [
      h("h2", { id: "staff-title", text: de(gettext_noop("Für das Team: Beiträge auf diesem Tablet")) }),
      h(
        "p",
        {},
        interpolate(de(gettext_noop("Noch nicht gesendet: %(count)s")), { count: pending }, true),
        h("br"),
        interpolate(de(gettext_noop("Vom Server abgelehnt: %(count)s")), { count: held }, true),
      ),
      refused.length
        ? h(
            "ul",
            { class: "staff-list" },
            refused.map((item) => h("li", {}, h("strong", { text: describe(item) }), " ", reason(item))),
          )
        : null,
      refused.length
        ? h("p", { class: "hint", text: de(gettext_noop("Abgelehnte Beiträge bleiben auf dem Tablet, bis das Team sie klärt.")) })
        : null,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "btn", onclick: () => this.dialog.close() }, de(gettext_noop("Schließen"))),
        h(
          "button",
          { type: "button", class: "btn btn-primary", onclick: () => this.onSendNow() },
          icon("send"),
          de(gettext_noop("Jetzt senden")),
        ),
      ),
    ];
    this.dialog.replaceChildren(...children.filter(Boolean));
  }
}

function describe(item) {
  const time = new Intl.DateTimeFormat("de", {
    dateStyle: "short",
    timeStyle: "short",
    timeZone: "Europe/Berlin",
  }).format(new Date(item.created_at));
  return de(KIND_LABELS[item.kind] || KIND_LABELS.idea) + ", " + time + ":";
}

function reason(item) {
  const error = item.error || {};
  if (error.code === "other_deployment") {
    return de(gettext_noop("Das Tablet gehört inzwischen zu einem anderen Einsatz."));
  }
  const messages = errorMessages(error.data);
  const status = interpolate(de(gettext_noop("Fehler %(status)s")), { status: error.status }, true);
  return messages.length ? status + ": " + messages.join(" ") : status;
}
