// The resident's screens, one function each. A screen reads and writes the session held by
// the flow and asks the flow to move on; it never talks to the server itself.

import { h, icon } from "./dom.js";
import { LANGUAGES, direction, formatTime, gettext, gettext_noop, gettextIn, interpolate, ngettext, pick } from "./i18n.js";
import { createPinMap } from "./map.js";
import {
  actions,
  button,
  choiceGroup,
  errorBox,
  heading,
  nextButton,
  ratingGroup,
  screen,
  textField,
} from "./widgets.js";

const MIN_TEXT_LENGTH = 3;
const WELCOME = gettext_noop("Willkommen!");
const CONTINUE_IN = gettext_noop("Weiter in dieser Sprache");

export const SCREENS = {
  language: languageScreen,
  choice: choiceScreen,
  "idea-text": ideaTextScreen,
  "idea-place": ideaPlaceScreen,
  poll: pollScreen,
  feedback: feedbackScreen,
  "about-age": (flow) => aboutScreen(flow, ABOUT[0]),
  "about-relation": (flow) => aboutScreen(flow, ABOUT[1]),
  "about-heard": (flow) => aboutScreen(flow, ABOUT[2]),
  consent: consentScreen,
  thanks: thanksScreen,
};

function languageScreen(flow) {
  const greeting = h(
    "h1",
    { tabindex: "-1", class: "welcome" },
    LANGUAGES.map(({ code }) => [h("span", { lang: code, dir: direction(code), text: gettextIn(code, WELCOME) }), " "]),
  );
  const choices = h(
    "div",
    { class: "languages" },
    LANGUAGES.map(({ code, name }) =>
      h(
        "button",
        {
          type: "button",
          class: "language",
          lang: code,
          dir: direction(code),
          "data-language": code,
          onclick: () => flow.chooseLanguage(code),
        },
        h("span", { class: "language-name", text: name }),
        h("span", { class: "language-hint" }, gettextIn(code, CONTINUE_IN), icon("arrow-next", "icon-end")),
      ),
    ),
  );
  return { body: screen("language", greeting, choices) };
}

function choiceScreen(flow) {
  const { polls, events_today: events } = flow.bootstrap;
  const tiles = [
    tile({
      name: "idea",
      iconName: "idea",
      title: gettext("Idee oder Anliegen"),
      text: gettext("Was wünschen Sie sich für den Kiez? Was stört Sie?"),
      onClick: () => flow.choose("idea"),
    }),
    ...polls.map((poll) =>
      tile({
        name: "poll-" + poll.id,
        iconName: "poll",
        eyebrow: gettext("Kurze Umfrage"),
        title: pick(poll.question),
        titleDir: "auto",
        onClick: () => flow.choose("poll", poll.id),
      }),
    ),
    events.length
      ? tile({
          name: "feedback",
          iconName: "feedback",
          title: gettext("Wie war’s?"),
          text: gettext("Sagen Sie uns, wie Ihnen eine Veranstaltung heute gefallen hat."),
          onClick: () => flow.choose("feedback"),
        })
      : null,
  ];
  return {
    body: screen("choice", heading(gettext("Was möchten Sie tun?")), h("div", { class: "tiles" }, tiles)),
  };
}

function tile({ name, iconName, eyebrow, title, titleDir, text, onClick }) {
  return h(
    "button",
    { type: "button", class: "tile", "data-choice": name, onclick: onClick },
    h("span", { class: "tile-icon" }, icon(iconName)),
    h(
      "span",
      { class: "tile-text" },
      eyebrow ? h("span", { class: "tile-eyebrow", text: eyebrow }) : null,
      h("span", { class: "tile-title", dir: titleDir, text: title }),
      text ? h("span", { class: "tile-description", text }) : null,
    ),
    icon("arrow-next", "tile-arrow"),
  );
}

function ideaTextScreen(flow) {
  const idea = flow.session.idea;
  const errors = errorBox();
  const maxLength = flow.bootstrap.limits.text_max_length;
  const topics = flow.bootstrap.topics;
  const tooShort = () => idea.text.trim().length < MIN_TEXT_LENGTH;
  const next = () => {
    const messages = tooShort()
      ? [interpolate(gettext("Bitte schreiben Sie mindestens %(count)s Zeichen."), { count: MIN_TEXT_LENGTH }, true)]
      : [];
    errors.show(messages);
    if (!messages.length) flow.go("idea-place");
  };
  const body = screen(
    "idea-text",
    heading(gettext("Ihre Idee oder Ihr Anliegen"), {
      id: "idea-title",
      lead: gettext("Was wünschen Sie sich für den Kiez? Was stört Sie?"),
    }),
    errors,
    textField({
      labelledBy: "idea-title",
      hint: gettext("Bitte schreiben Sie keine Namen, Telefonnummern oder E-Mail-Adressen."),
      value: idea.text,
      maxLength,
      onInput: (value) => {
        idea.text = value;
        if (!errors.hidden && !tooShort()) errors.show([]);
      },
    }),
    topics.length
      ? choiceGroup({
          label: gettext("Worum geht es? (freiwillig)"),
          options: topics.map((topic) => ({ value: topic.id, label: pick(topic.name), dir: "auto" })),
          selected: idea.theme,
          allowNone: true,
          className: "topics",
          onChange: (value) => {
            idea.theme = value;
          },
        })
      : null,
    actions(nextButton(next)),
  );
  return { body, mount: () => errors.show(flow.takeErrors("idea-text")) };
}

function ideaPlaceScreen(flow) {
  const idea = flow.session.idea;
  const errors = errorBox();
  const status = h("p", { class: "map-status", "aria-live": "polite" });
  const mapElement = h("div", { class: "map", id: "pin-map" });
  const remove = button(gettext("Punkt entfernen"), {
    iconName: "close",
    onClick: () => {
      idea.location = null;
      pinMap?.clear();
      update();
    },
  });
  let pinMap = null;
  const update = (outside = false) => {
    remove.hidden = !idea.location;
    if (outside) status.textContent = gettext("Dieser Ort liegt zu weit weg. Bitte tippen Sie näher am Kiezlabor.");
    else if (idea.location) status.textContent = gettext("Ihr Punkt ist gesetzt. Tippen Sie woanders hin, um ihn zu verschieben.");
    else status.textContent = "";
  };
  const body = screen(
    "idea-place",
    heading(gettext("Wo ist das? (freiwillig)"), {
      lead: gettext("Tippen Sie auf die Karte, um einen Punkt zu setzen. Sie können diesen Schritt auch überspringen."),
    }),
    errors,
    h(
      "div",
      { class: "map-frame" },
      mapElement,
      h(
        "ul",
        { class: "legend" },
        h("li", {}, h("span", { class: "legend-site", "aria-hidden": "true" }), gettext("Hier steht das Kiezlabor")),
        h("li", {}, icon("pin", "legend-pin"), gettext("Ihr Punkt")),
      ),
    ),
    status,
    actions(remove, nextButton(() => flow.go("about-age"))),
  );
  return {
    body,
    mount: () => {
      errors.show(flow.takeErrors("idea-place"));
      pinMap = createPinMap(mapElement, {
        map: flow.bootstrap.map,
        location: idea.location,
        onChange: (location, { outside }) => {
          if (!outside) idea.location = location;
          update(outside);
        },
      });
      update();
    },
    leave: () => pinMap?.destroy(),
  };
}

function pollScreen(flow) {
  const poll = flow.currentPoll();
  const answer = flow.session.poll;
  const errors = errorBox();
  const options = poll.options.map((option) => ({ value: option.id, label: pick(option.label), dir: "auto" }));
  let lead;
  let input;
  if (poll.type === "single") {
    lead = gettext("Bitte wählen Sie eine Antwort.");
    input = choiceGroup({ options, selected: answer.selected, onChange: (value) => (answer.selected = value === null ? [] : [value]) });
  } else if (poll.type === "multiple") {
    lead = gettext("Sie können mehrere Antworten wählen.");
    input = choiceGroup({ options, selected: answer.selected, multiple: true, onChange: (values) => (answer.selected = values) });
  } else if (poll.type === "rating") {
    lead = gettext("Tippen Sie auf eine Zahl: 1 heißt „sehr schlecht“, 5 heißt „sehr gut“.");
    input = ratingGroup({ selected: answer.rating, onChange: (value) => (answer.rating = value) });
  } else {
    lead =
      interpolate(
        ngettext(
          "Verteilen Sie %(count)s Punkt auf die Antworten, die Ihnen wichtig sind.",
          "Verteilen Sie %(count)s Punkte auf die Antworten, die Ihnen wichtig sind.",
          poll.points,
        ),
        { count: poll.points },
        true,
      ) +
      " " +
      gettext("Eine Antwort kann auch mehrere Punkte bekommen.");
    input = dotVoting(poll, answer);
  }
  const next = () => {
    const message = flow.pollProblem();
    errors.show(message ? [message] : []);
    if (!message) flow.go("about-age");
  };
  const body = screen(
    "poll",
    heading(pick(poll.question), { eyebrow: gettext("Kurze Umfrage"), lead, dir: "auto" }),
    errors,
    input,
    actions(nextButton(next)),
  );
  return { body, mount: () => errors.show(flow.takeErrors("poll")) };
}

function dotVoting(poll, answer) {
  const left = h("p", { class: "points-left", "aria-live": "polite" });
  const rows = [];
  const spent = () => Object.values(answer.points).reduce((sum, value) => sum + value, 0);
  const refresh = () => {
    const remaining = poll.points - spent();
    left.textContent = interpolate(
      ngettext("Noch %(count)s Punkt übrig", "Noch %(count)s Punkte übrig", remaining),
      { count: remaining },
      true,
    );
    left.classList.toggle("done", remaining === 0);
    for (const row of rows) row.refresh(remaining);
  };
  for (const option of poll.options) {
    const label = pick(option.label);
    const count = h("span", { class: "dots-count" });
    const dots = h("span", { class: "dots", "aria-hidden": "true" });
    const change = (delta) => {
      const value = Math.max((answer.points[option.id] || 0) + delta, 0);
      if (value) answer.points[option.id] = value;
      else delete answer.points[option.id];
      refresh();
    };
    const minus = h(
      "button",
      {
        type: "button",
        class: "btn-round",
        "aria-label": interpolate(gettext("Ein Punkt weniger für „%(option)s“"), { option: label }, true),
        onclick: () => change(-1),
      },
      icon("minus"),
    );
    const plus = h(
      "button",
      {
        type: "button",
        class: "btn-round btn-round-primary",
        "aria-label": interpolate(gettext("Ein Punkt mehr für „%(option)s“"), { option: label }, true),
        onclick: () => change(1),
      },
      icon("plus"),
    );
    const row = h(
      "li",
      { class: "dots-row", "data-option": String(option.id) },
      h("span", { class: "dots-label" }, h("span", { dir: "auto", text: label }), dots),
      h("span", { class: "dots-controls" }, minus, count, plus),
    );
    row.refresh = (remaining) => {
      const value = answer.points[option.id] || 0;
      count.textContent = interpolate(ngettext("%(count)s Punkt", "%(count)s Punkte", value), { count: value }, true);
      dots.replaceChildren(...Array.from({ length: value }, () => h("span", { class: "dot" })));
      minus.disabled = value === 0;
      plus.disabled = remaining === 0;
      row.classList.toggle("has-points", value > 0);
    };
    rows.push(row);
  }
  refresh();
  return h("div", { class: "dot-voting" }, left, h("ul", { class: "dots-list" }, rows));
}

function feedbackScreen(flow) {
  const feedback = flow.session.feedback;
  const events = flow.bootstrap.events_today;
  if (events.length === 1 && feedback.event === null) feedback.event = events[0].id;
  const errors = errorBox();
  const next = () => {
    const messages = [];
    if (feedback.event === null) messages.push(gettext("Bitte wählen Sie die Veranstaltung."));
    if (feedback.rating === null && !feedback.text.trim()) {
      messages.push(gettext("Bitte tippen Sie auf eine Zahl oder schreiben Sie ein paar Worte."));
    }
    errors.show(messages);
    if (!messages.length) flow.go("about-age");
  };
  const body = screen(
    "feedback",
    heading(gettext("Wie war’s?")),
    errors,
    choiceGroup({
      label: gettext("Welche Veranstaltung meinen Sie?"),
      options: events.map((event) => ({
        value: event.id,
        label: event.title,
        dir: "auto",
        description: interpolate(
          gettext("%(start)s bis %(end)s Uhr"),
          { start: formatTime(event.starts_at), end: formatTime(event.ends_at) },
          true,
        ),
      })),
      selected: feedback.event,
      className: "events",
      onChange: (value) => (feedback.event = value),
    }),
    ratingGroup({
      label: gettext("Wie hat es Ihnen gefallen?"),
      selected: feedback.rating,
      onChange: (value) => (feedback.rating = value),
    }),
    textField({
      label: gettext("Möchten Sie noch etwas sagen? (freiwillig)"),
      value: feedback.text,
      maxLength: flow.bootstrap.limits.text_max_length,
      rows: 3,
      onInput: (value) => (feedback.text = value),
    }),
    actions(nextButton(next)),
  );
  return { body, mount: () => errors.show(flow.takeErrors("feedback")) };
}

const ABOUT = [
  {
    name: "about-age",
    field: "age_band",
    next: "about-relation",
    question: () => gettext("Wie alt sind Sie?"),
    options: () => [
      ["0_5", gettext("unter 6 Jahre")],
      ["6_14", gettext("6 bis 14 Jahre")],
      ["15_17", gettext("15 bis 17 Jahre")],
      ["18_26", gettext("18 bis 26 Jahre")],
      ["27_44", gettext("27 bis 44 Jahre")],
      ["45_54", gettext("45 bis 54 Jahre")],
      ["55_64", gettext("55 bis 64 Jahre")],
      ["65_plus", gettext("65 Jahre und älter")],
    ],
  },
  {
    name: "about-relation",
    field: "relation",
    next: "about-heard",
    question: () => gettext("Was verbindet Sie mit dem Kiez?"),
    options: () => [
      ["lives_here", gettext("Ich wohne hier.")],
      ["newcomer", gettext("Ich bin vor weniger als zwei Jahren hergezogen.")],
      ["works_here", gettext("Ich arbeite hier.")],
      ["visiting", gettext("Ich bin zu Besuch.")],
    ],
  },
  {
    name: "about-heard",
    field: "heard_via",
    next: "consent",
    question: () => gettext("Wie haben Sie vom Kiezlabor erfahren?"),
    options: () => [
      ["passing_by", gettext("Im Vorbeigehen")],
      ["neighbours", gettext("Von Nachbarn, Freunden oder Familie")],
      ["poster", gettext("Plakat oder Handzettel")],
      ["social_media", gettext("Im Internet oder in sozialen Netzwerken")],
      ["partner", gettext("Über eine Einrichtung im Kiez, z. B. Schule oder Verein")],
      ["press", gettext("Zeitung oder Radio")],
      ["other", gettext("Anders")],
    ],
  },
];

function aboutScreen(flow, question) {
  const about = flow.session.about;
  const errors = errorBox();
  const number = ABOUT.indexOf(question) + 1;
  let moving = false;
  const moveOn = () => {
    if (moving) return;
    moving = true;
    // A short pause so the chosen answer is seen as chosen before the next question.
    setTimeout(() => flow.go(question.next), 250);
  };
  const body = screen(
    question.name,
    heading(question.question(), {
      eyebrow: interpolate(gettext("Über Sie – Frage %(number)s von 3 – freiwillig"), { number }, true),
      lead: number === 1 ? gettext("Ihre Antworten helfen uns zu sehen, ob wir alle Menschen im Kiez erreichen.") : null,
    }),
    errors,
    choiceGroup({
      options: question.options().map(([value, label]) => ({ value, label })),
      selected: about[question.field],
      className: "about " + question.name,
      onChange: (value) => {
        about[question.field] = value ?? "";
        if (value) moveOn();
      },
    }),
    actions(
      button(gettext("Überspringen"), {
        className: "btn-skip",
        iconEnd: "arrow-next",
        onClick: () => {
          about[question.field] = "";
          flow.go(question.next);
        },
      }),
    ),
  );
  return { body, mount: () => errors.show(flow.takeErrors(question.name)) };
}

function consentScreen(flow) {
  const errors = errorBox();
  const honeypot = flow.config.mode === "online" ? honeypotField(flow) : null;
  let sending = false;
  const send = button(gettext("Absenden"), {
    primary: true,
    iconName: "send",
    className: "btn-send",
    onClick: async () => {
      if (sending) return;
      sending = true;
      send.disabled = true;
      send.setAttribute("aria-busy", "true");
      try {
        await flow.submit();
      } finally {
        sending = false;
        if (send.isConnected) {
          send.disabled = false;
          send.removeAttribute("aria-busy");
        }
      }
    },
  });
  const body = screen(
    "consent",
    heading(gettext("Fast geschafft!"), { lead: gettext("Bevor Sie absenden: So gehen wir mit Ihren Angaben um.") }),
    errors,
    h(
      "div",
      { class: "consent" },
      h("h2", { text: gettext("Was wir speichern") }),
      h(
        "ul",
        {},
        h("li", { text: gettext("Ihren Beitrag, die Sprache, Datum und Uhrzeit.") }),
        h("li", { text: gettext("Ihre freiwilligen Angaben über sich, wenn Sie welche gemacht haben.") }),
        h("li", { text: gettext("Wir speichern keinen Namen und keine Kontaktdaten.") }),
      ),
      h("h2", { text: gettext("Wozu") }),
      h("p", {
        text: gettext(
          "Das Team des Kiezlabors liest alle Beiträge und fasst sie für den Bezirk zusammen, damit er den Kiez besser planen kann. Ihr Beitrag wird erst öffentlich gezeigt, wenn das Team ihn geprüft hat.",
        ),
      }),
      h("p", { class: "consent-agree", text: gettext("Mit „Absenden“ sind Sie damit einverstanden.") }),
    ),
    honeypot,
    actions(send),
  );
  return { body, mount: () => errors.show(flow.takeErrors("consent")) };
}

// A field people never see or reach; bots that fill every field give themselves away.
function honeypotField(flow) {
  return h(
    "div",
    { class: "hp", "aria-hidden": "true" },
    h("label", { for: "website", text: "Website" }),
    h("input", {
      id: "website",
      name: "website",
      type: "text",
      tabindex: "-1",
      autocomplete: "off",
      value: flow.session.website,
      oninput: (event) => (flow.session.website = event.target.value),
    }),
  );
}

function thanksScreen(flow) {
  const queued = flow.session.result === "queued";
  const online = flow.config.mode === "online";
  const body = screen(
    "thanks",
    h("div", { class: "thanks-icon", "aria-hidden": "true" }, icon("heart")),
    heading(gettext("Vielen Dank!"), {
      lead: queued
        ? gettext("Ihr Beitrag ist gespeichert. Er wird gesendet, sobald wieder eine Verbindung besteht.")
        : gettext("Ihr Beitrag ist angekommen."),
    }),
    h("p", {
      class: "thanks-next",
      text: online
        ? gettext("Sie können diese Seite jetzt schließen oder noch etwas sagen.")
        : gettext("Gleich geht es zurück zum Anfang für die nächste Person."),
    }),
    actions(
      button(online ? gettext("Noch etwas sagen") : gettext("Fertig"), {
        primary: true,
        iconName: online ? "idea" : "check",
        className: "btn-done",
        onClick: () => flow.reset(),
      }),
    ),
  );
  let timer = null;
  return {
    body,
    mount: () => {
      if (!online) timer = setTimeout(() => flow.reset(), flow.thanksSeconds * 1000);
    },
    leave: () => clearTimeout(timer),
  };
}
