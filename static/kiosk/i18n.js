// Translations for all five languages at once (from /kiosk/catalog.json), with the semantics
// of Django's JavaScript catalog: gettext, ngettext, interpolate.

export const LANGUAGES = [
  { code: "de", name: "Deutsch" },
  { code: "en", name: "English" },
  { code: "tr", name: "Türkçe" },
  { code: "ar", name: "العربية" },
  { code: "uk", name: "Українська" },
];
const RIGHT_TO_LEFT = new Set(["ar"]);
const FALLBACK = "de";

let catalogs = {};
let current = FALLBACK;

export function setCatalogs(value) {
  catalogs = value || {};
}

export function language() {
  return current;
}

export function direction(code) {
  return RIGHT_TO_LEFT.has(code) ? "rtl" : "ltr";
}

export function setLanguage(code) {
  current = LANGUAGES.some((entry) => entry.code === code) ? code : FALLBACK;
  document.documentElement.lang = current;
  document.documentElement.dir = direction(current);
}

export function gettext_noop(msgid) {
  return msgid;
}

export function gettextIn(code, msgid) {
  const value = catalogs[code]?.catalog?.[msgid];
  if (typeof value === "string" && value) return value;
  if (Array.isArray(value) && value[0]) return value[0];
  return msgid;
}

export function gettext(msgid) {
  return gettextIn(current, msgid);
}

export function ngettext(singular, plural, count) {
  const entry = catalogs[current];
  const forms = entry?.catalog?.[singular];
  if (Array.isArray(forms)) {
    const form = forms[pluralIndex(entry.plural, count)];
    if (form) return form;
  }
  return count === 1 ? singular : plural;
}

function pluralIndex(table, count) {
  const n = Math.abs(Math.trunc(count));
  if (!Array.isArray(table) || table.length < 200) return n === 1 ? 0 : 1;
  // The plural rules look at n below 3 and at n % 10 and n % 100 above: 100 + n % 100 is
  // in the same class as any n of 200 or more.
  return n < table.length ? table[n] : table[100 + (n % 100)];
}

export function interpolate(format, values, named = false) {
  if (named) {
    return format.replace(/%\(\w+\)s/g, (match) => String(values[match.slice(2, -2)]));
  }
  let index = 0;
  return format.replace(/%s/g, () => String(values[index++]));
}

// Texts staff entered per language (topics, poll questions): German where none was given.
export function pick(texts) {
  if (!texts || typeof texts !== "object") return "";
  return texts[current] || texts[FALLBACK] || "";
}

export function formatTime(isoString) {
  return new Intl.DateTimeFormat(current, {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Europe/Berlin",
  }).format(new Date(isoString));
}
