// Screens outside a resident's flow: pairing the tablet (for the team) and "not available".

import { h } from "./dom.js";
import { LANGUAGES, direction, gettext, gettext_noop, gettextIn } from "./i18n.js";
import { button, errorBox, heading, screen } from "./widgets.js";

const ASK_THE_TEAM = gettext_noop("Bitte wenden Sie sich an das Team.");

export function pairingView({ revoked, error, busy, onPair }) {
  const errors = errorBox();
  const input = h("input", {
    id: "pairing-code",
    name: "code",
    type: "text",
    class: "code-input",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    maxlength: "12",
    "aria-describedby": "pairing-hint",
  });
  const submit = (event) => {
    event.preventDefault();
    const code = input.value.trim();
    if (!code) {
      errors.show([gettext("Bitte geben Sie den Code ein.")]);
      return;
    }
    onPair(code);
  };
  const body = screen(
    "pairing",
    heading(gettextIn("de", ASK_THE_TEAM)),
    h(
      "div",
      { class: "ask-team" },
      LANGUAGES.filter(({ code }) => code !== "de").map(({ code }) =>
        h("p", { lang: code, dir: direction(code), text: gettextIn(code, ASK_THE_TEAM) }),
      ),
    ),
    revoked ? h("p", { class: "lead", text: gettext("Dieses Tablet ist nicht oder nicht mehr freigeschaltet.") }) : null,
    h(
      "form",
      { class: "pairing", onsubmit: submit, "aria-labelledby": "pairing-title" },
      h("h2", { id: "pairing-title", text: gettext("Für das Team: Tablet koppeln") }),
      h("p", {
        id: "pairing-hint",
        class: "hint",
        text: gettext("Den Code erzeugen Sie in der Verwaltung beim Tablet. Er gilt 15 Minuten."),
      }),
      errors,
      h("label", { for: "pairing-code", class: "field-label", text: gettext("Kopplungscode") }),
      h(
        "div",
        { class: "pairing-row" },
        input,
        h("button", { type: "submit", class: "btn btn-primary", disabled: busy }, gettext("Koppeln")),
      ),
    ),
  );
  return { body, mount: () => errors.show(error ? [error] : []) };
}

export function unavailableView({ title, text, onRetry }) {
  const body = screen(
    "unavailable",
    heading(title, { lead: text }),
    onRetry ? h("div", { class: "actions" }, button(gettext("Noch einmal versuchen"), { primary: true, onClick: onRetry })) : null,
  );
  return { body };
}
