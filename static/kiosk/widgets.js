// Building blocks of the screens: big buttons, choice groups, the text field with its counter.

import { h, icon, uid } from "./dom.js";
import { gettext, interpolate } from "./i18n.js";

export function screen(name, ...children) {
  return h("div", { class: "screen-body screen-" + name, "data-screen": name }, children);
}

export function heading(text, { eyebrow, lead, id, dir } = {}) {
  return [
    eyebrow ? h("p", { class: "eyebrow", text: eyebrow }) : null,
    h("h1", { tabindex: "-1", id, dir, text }),
    lead ? h("p", { class: "lead", text: lead }) : null,
  ];
}

export function button(label, { onClick, primary = false, iconName, iconEnd, className = "", attrs = {} } = {}) {
  return h(
    "button",
    { type: "button", class: ["btn", primary ? "btn-primary" : "", className].join(" ").trim(), onclick: onClick, ...attrs },
    iconName ? icon(iconName) : null,
    h("span", { text: label }),
    iconEnd ? icon(iconEnd, "icon-end") : null,
  );
}

export function actions(...buttons) {
  return h("div", { class: "actions" }, buttons);
}

export function nextButton(onClick, label = gettext("Weiter")) {
  return button(label, { onClick, primary: true, iconEnd: "arrow-next", className: "btn-next" });
}

// An alert box for validation and server messages; empty until messages are set.
export function errorBox() {
  const box = h("div", { class: "error-box", role: "alert", hidden: true });
  box.show = (messages) => {
    const list = (messages || []).filter(Boolean);
    box.replaceChildren(...list.map((message) => h("p", {}, icon("alert"), h("span", { text: message }))));
    box.hidden = list.length === 0;
    if (list.length) box.scrollIntoView({ block: "nearest" });
  };
  return box;
}

// Buttons that act like radio buttons (or check boxes with multiple) and show their state.
export function choiceGroup({ label, labelId, options, selected, multiple = false, allowNone = false, onChange, className = "" }) {
  const id = labelId || uid("group");
  const chosen = new Set([].concat(selected ?? []).filter((value) => value !== null && value !== ""));
  const buttons = options.map((option) => {
    const element = h(
      "button",
      {
        type: "button",
        class: "option",
        "aria-pressed": String(chosen.has(option.value)),
        "data-value": String(option.value),
        lang: option.lang,
        onclick: () => toggle(option.value),
      },
      h("span", { class: "option-mark" }, icon("check")),
      h(
        "span",
        { class: "option-text" },
        option.number !== undefined ? [h("span", { class: "option-number", text: option.number }), " "] : null,
        h("span", { class: "option-label", dir: option.dir, text: option.label }),
        option.description ? h("span", { class: "option-description", text: option.description }) : null,
      ),
    );
    element.optionValue = option.value;
    return element;
  });
  const toggle = (value) => {
    if (multiple) {
      if (chosen.has(value)) chosen.delete(value);
      else chosen.add(value);
    } else if (chosen.has(value) && allowNone) {
      chosen.clear();
    } else {
      chosen.clear();
      chosen.add(value);
    }
    for (const element of buttons) element.setAttribute("aria-pressed", String(chosen.has(element.optionValue)));
    onChange(multiple ? [...chosen] : ([...chosen][0] ?? null));
  };
  return h(
    "div",
    { class: "choice-block" },
    label ? h("h2", { class: "group-label", id, text: label }) : null,
    h("div", { class: ("choices " + className).trim(), role: "group", "aria-labelledby": label ? id : null }, buttons),
  );
}

const RATING_WORDS = () => [
  gettext("sehr schlecht"),
  gettext("schlecht"),
  gettext("mittel"),
  gettext("gut"),
  gettext("sehr gut"),
];

export function ratingGroup({ label, selected, onChange }) {
  const words = RATING_WORDS();
  return choiceGroup({
    label,
    options: [1, 2, 3, 4, 5].map((value) => ({ value, number: String(value), label: words[value - 1] })),
    selected,
    onChange,
    className: "rating",
  });
}

export function textField({ label, labelledBy, hint, value, maxLength, rows = 4, onInput }) {
  const fieldId = uid("text");
  const counterId = uid("counter");
  const hintId = hint ? uid("hint") : null;
  const counter = h("p", { class: "counter", id: counterId });
  const updateCounter = (length) => {
    counter.textContent = interpolate(gettext("%(count)s von %(max)s Zeichen"), { count: length, max: maxLength }, true);
    counter.classList.toggle("near-limit", length > maxLength * 0.9);
  };
  const area = h("textarea", {
    id: fieldId,
    rows,
    dir: "auto",
    "aria-labelledby": labelledBy,
    maxlength: maxLength,
    value,
    autocomplete: "off",
    spellcheck: "true",
    "aria-describedby": [hintId, counterId].filter(Boolean).join(" "),
    oninput: (event) => {
      updateCounter(event.target.value.length);
      onInput(event.target.value);
    },
  });
  updateCounter(value.length);
  return h(
    "div",
    { class: "field" },
    label ? h("label", { for: fieldId, class: "field-label", text: label }) : null,
    hint ? h("p", { class: "hint", id: hintId, text: hint }) : null,
    area,
    counter,
  );
}
