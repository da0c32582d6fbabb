// The pin map: the area's outline and the site drawn from our own geometry, so it works
// without any map tiles; tiles are added only when the tablet is online and one loads.

import { iconMarkup } from "./dom.js";
import { direction, gettext, language } from "./i18n.js";

const ACCENT = "#0b5d4b";
const SITE = "#7a1f12";
const PROBE_TIMEOUT_MS = 4000;

export function createPinMap(container, { map, location, onChange }) {
  const L = window.L;
  const bounds = L.latLngBounds(map.bounds);
  const leaflet = L.map(container, {
    zoomControl: false,
    attributionControl: false,
    keyboard: false,
    maxBounds: bounds.pad(0.25),
    maxBoundsViscosity: 1,
    zoomSnap: 0.25,
    tap: true,
  });
  L.control
    .zoom({
      position: direction(language()) === "rtl" ? "topleft" : "topright",
      zoomInTitle: gettext("Karte vergrößern"), zoomOutTitle: gettext("Karte verkleinern") })
    .addTo(leaflet);

  // The view must exist before layers are added to the map.
  const area = map.area
    ? L.geoJSON(map.area, {
        interactive: false,
        style: { color: ACCENT, weight: 4, opacity: 0.9, fillColor: ACCENT, fillOpacity: 0.08 },
      })
    : null;
  leaflet.fitBounds(area ? area.getBounds() : bounds, { padding: [16, 16] });
  leaflet.setMinZoom(leaflet.getZoom() - 1);
  area?.addTo(leaflet);
  const [lng, lat] = map.site.coordinates;
  L.circleMarker([lat, lng], {
    interactive: false,
    radius: 11,
    color: "#ffffff",
    weight: 4,
    fillColor: SITE,
    fillOpacity: 1,
  }).addTo(leaflet);

  const pinIcon = L.divIcon({
    className: "map-pin",
    html: iconMarkup("pin"),
    iconSize: [56, 56],
    iconAnchor: [28, 54],
  });
  let pin = null;
  const place = (latlng) => {
    if (pin) pin.setLatLng(latlng);
    else pin = L.marker(latlng, { icon: pinIcon, interactive: false, keyboard: false }).addTo(leaflet);
  };
  if (location) place([location.lat, location.lng]);

  leaflet.on("click", (event) => {
    if (!bounds.contains(event.latlng)) {
      onChange(null, { outside: true });
      return;
    }
    place(event.latlng);
    onChange({ lat: round(event.latlng.lat), lng: round(event.latlng.lng) }, { outside: false });
  });

  addTilesWhenOnline(leaflet, map, lat, lng);

  return {
    clear() {
      if (pin) pin.remove();
      pin = null;
    },
    destroy() {
      leaflet.remove();
    },
  };
}

function round(value) {
  return Math.round(value * 1e6) / 1e6;
}

function addTilesWhenOnline(leaflet, map, lat, lng) {
  if (!map.tiles_url || !navigator.onLine) return;
  const zoom = Math.round(leaflet.getZoom());
  const probe = new Image();
  const timer = setTimeout(() => (probe.src = ""), PROBE_TIMEOUT_MS);
  probe.onload = () => {
    clearTimeout(timer);
    if (!leaflet.getContainer().isConnected) return;
    window.L.tileLayer(map.tiles_url, { maxZoom: 19 }).addTo(leaflet).bringToBack();
    if (map.attribution) {
      window.L.control.attribution({ prefix: false }).addAttribution(map.attribution).addTo(leaflet);
    }
  };
  probe.onerror = () => clearTimeout(timer);
  probe.src = tileUrl(map.tiles_url, zoom, lat, lng);
}

function tileUrl(template, zoom, lat, lng) {
  const scale = 2 ** zoom;
  const x = Math.floor(((lng + 180) / 360) * scale);
  const radians = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(radians) + 1 / Math.cos(radians)) / Math.PI) / 2) * scale);
  return template.replace("{z}", zoom).replace("{x}", x).replace("{y}", y).replace("{s}", "a").replace("{r}", "");
}
