// Small DOM helpers: every screen is built from elements, never from HTML strings, so
// nothing a resident typed can turn into markup.

const SVG = "http://www.w3.org/2000/svg";
let iconSprite = "";

export function setIconSprite(url) {
  iconSprite = url;
}

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "text") element.textContent = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name in PROPERTIES) element[PROPERTIES[name]] = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

const PROPERTIES = { value: "value", checked: "checked" };

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function icon(name, extraClass = "") {
  const svg = document.createElementNS(SVG, "svg");
  const directional = name.startsWith("arrow") || name === "send" ? " icon-dir" : "";
  svg.setAttribute("class", ("icon " + extraClass + directional).trim());
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(SVG, "use");
  use.setAttribute("href", iconSprite + "#" + name);
  svg.append(use);
  return svg;
}

export function iconMarkup(name, extraClass = "") {
  const holder = document.createElement("span");
  holder.append(icon(name, extraClass));
  return holder.innerHTML;
}

let counter = 0;

export function uid(prefix) {
  counter += 1;
  return prefix + "-" + counter;
}
