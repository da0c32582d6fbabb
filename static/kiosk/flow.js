// One resident's way through the screens: the session (what they chose and typed), the way
// back, and turning it into a submission. A reset drops the session and every element that
// showed it.

import { errorMessages } from "./api.js";
import { h, icon } from "./dom.js";
import { LANGUAGES, gettext, language, setLanguage } from "./i18n.js";
import { SCREENS } from "./screens.js";

const THANKS_SECONDS = 12;

// Where a resident can fix what the server refused, per field of the submission.
const FIELD_SCREENS = {
  idea: { text: "idea-text", theme: "idea-text", location: "idea-place" },
  feedback: { text: "feedback", event: "feedback", rating: "feedback" },
  poll: { poll: "poll", answers: "poll", rating: "poll" },
};
const ABOUT_SCREENS = { age_band: "about-age", relation: "about-relation", heard_via: "about-heard" };

function newSession() {
  return {
    kind: null,
    pollId: null,
    idea: { text: "", theme: null, location: null },
    poll: { selected: [], rating: null, points: {} },
    feedback: { event: null, rating: null, text: "" },
    about: { age_band: "", relation: "", heard_via: "" },
    website: "",
    errors: null,
    heldUuid: null,
    result: null,
  };
}

export class Flow {
  constructor({ config, ui, outbox, idle, onReset }) {
    this.config = config;
    this.ui = ui;
    this.outbox = outbox;
    this.idle = idle;
    this.onReset = onReset;
    this.bootstrap = null;
    this.nextBootstrap = null;
    this.session = newSession();
    this.stack = [];
    this.view = null;
    this.thanksSeconds = THANKS_SECONDS;
  }

  start(bootstrap) {
    this.bootstrap = bootstrap;
    document.title = "Kiezlabor – " + bootstrap.deployment.title;
    this.reset();
  }

  reset() {
    if (this.nextBootstrap) {
      this.bootstrap = this.nextBootstrap;
      this.nextBootstrap = null;
    }
    for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
    this.leaveView();
    this.session = newSession();
    setLanguage("de");
    this.stack = ["language"];
    this.render();
    this.onReset?.();
  }

  go(name) {
    this.stack.push(name);
    this.render();
  }

  back() {
    if (this.stack.length > 1) this.stack.pop();
    this.render();
  }

  chooseLanguage(code) {
    setLanguage(code);
    // Coming from the language button in the middle of the flow: carry on where they were.
    if (this.stack.length > 1) this.back();
    else this.go("choice");
  }

  choose(kind, pollId = null) {
    if (kind === "poll" && this.session.pollId !== pollId) this.session.poll = newSession().poll;
    this.session.kind = kind;
    this.session.pollId = pollId;
    this.go(kind === "idea" ? "idea-text" : kind);
  }

  currentPoll() {
    return this.bootstrap.polls.find((poll) => poll.id === this.session.pollId);
  }

  pollProblem() {
    const poll = this.currentPoll();
    const answer = this.session.poll;
    if (poll.type === "single" && answer.selected.length !== 1) return gettext("Bitte wählen Sie eine Antwort.");
    if (poll.type === "multiple" && !answer.selected.length) return gettext("Bitte wählen Sie mindestens eine Antwort.");
    if (poll.type === "rating" && answer.rating === null) return gettext("Bitte tippen Sie auf eine Zahl.");
    if (poll.type === "dots") {
      const spent = Object.values(answer.points).reduce((sum, value) => sum + value, 0);
      if (spent !== poll.points) return gettext("Bitte verteilen Sie alle Punkte.");
    }
    return null;
  }

  takeErrors(screenName) {
    const errors = this.session.errors;
    if (!errors || errors.screen !== screenName) return [];
    this.session.errors = null;
    return errors.messages;
  }

  async submit() {
    const session = this.session;
    const item = this.buildItem();
    if (session.heldUuid) {
      // The resident corrected what the server refused: the new submission replaces it.
      await this.outbox.discard(session.heldUuid);
      session.heldUuid = null;
    }
    const result = await this.outbox.submit(item);
    if (this.session !== session || result.outcome === "unauthorized") return;
    if (result.outcome === "held") {
      session.heldUuid = item.client_uuid;
      this.showRefusal(result.data);
      return;
    }
    session.result = result.outcome;
    this.stack = ["thanks"];
    this.render();
  }

  buildItem() {
    const session = this.session;
    const createdAt = new Date().toISOString();
    const common = {
      client_uuid: newUuid(),
      language: language(),
      age_band: session.about.age_band,
      relation: session.about.relation,
      heard_via: session.about.heard_via,
      created_on_device_at: createdAt,
      consent: true,
    };
    if (this.config.mode === "online") common.website = session.website;
    let url;
    let body;
    if (session.kind === "poll") {
      url = this.config.api.pollResponses;
      body = { ...common, poll: session.pollId, ...this.pollAnswers() };
    } else if (session.kind === "feedback") {
      url = this.config.api.contributions;
      const { event, rating, text } = session.feedback;
      body = { ...common, kind: "feedback", text: text.trim(), event, rating, theme: null, location: null };
    } else {
      url = this.config.api.contributions;
      const { text, theme, location } = session.idea;
      body = { ...common, kind: "idea", text: text.trim(), theme, location, event: null, rating: null };
    }
    return {
      client_uuid: common.client_uuid,
      url,
      body,
      kind: session.kind || "idea",
      deployment: this.bootstrap.deployment.id,
      created_at: createdAt,
    };
  }

  pollAnswers() {
    const poll = this.currentPoll();
    const answer = this.session.poll;
    if (poll.type === "rating") return { answers: [], rating: answer.rating };
    if (poll.type === "dots") {
      const answers = Object.entries(answer.points).map(([option, points]) => ({ option: Number(option), points }));
      return { answers, rating: null };
    }
    return { answers: answer.selected.map((option) => ({ option, points: 1 })), rating: null };
  }

  showRefusal(data) {
    const screens = { ...FIELD_SCREENS[this.session.kind || "idea"], ...ABOUT_SCREENS };
    const fields = data && typeof data === "object" && !Array.isArray(data) ? Object.keys(data) : [];
    const target = fields.map((field) => screens[field]).find((name) => name && this.stack.includes(name)) || "consent";
    const messages = errorMessages(data);
    this.session.errors = {
      screen: target,
      messages: messages.length
        ? messages
        : [gettext("Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal oder fragen Sie das Team.")],
    };
    while (this.stack.length > 1 && this.stack.at(-1) !== target) this.stack.pop();
    this.render();
  }

  leaveView() {
    this.view?.leave?.();
    this.view = null;
  }

  render() {
    this.leaveView();
    const name = this.stack.at(-1);
    this.view = SCREENS[name](this);
    this.ui.show(this.view.body);
    this.renderBar(name);
    this.view.mount?.();
    this.ui.focusHeading();
    const hasResident = this.stack.length > 1 && name !== "thanks";
    this.idle.setActive(this.config.mode === "kiosk" && hasResident);
  }

  renderBar(name) {
    const showBack = this.stack.length > 1 && name !== "thanks";
    this.ui.setBar({
      start: showBack
        ? h(
            "button",
            { type: "button", class: "btn btn-bar btn-back", onclick: () => this.back() },
            icon("arrow-back"),
            h("span", { text: gettext("Zurück") }),
          )
        : null,
      title: this.bootstrap.deployment.title,
      end:
        name === "language" || name === "thanks"
          ? null
          : h(
              "button",
              { type: "button", class: "btn btn-bar btn-language", onclick: () => this.go("language") },
              icon("globe"),
              h("span", { text: gettext("Sprache") }),
              h("span", { class: "current-language", text: languageName(language()) }),
            ),
    });
  }
}

function languageName(code) {
  return LANGUAGES.find((entry) => entry.code === code)?.name ?? code;
}

// crypto.randomUUID needs a secure context; a demo on a plain-HTTP address has none.
function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
}
