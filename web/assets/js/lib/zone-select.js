// The time-zone picker of the forms: the common zones first, then every zone the browser knows.
import { el } from "./dom.js";
import { COMMON_ZONES, allZones, defaultZone, isZone } from "./time.js";

/** Select `zone` (any valid IANA zone, even one the list lacks), else the default zone. */
export function setZone(select, zone) {
  const wanted = zone && isZone(zone) ? zone : defaultZone();
  if (![...select.options].some((option) => option.value === wanted)) {
    select.append(el("option", { value: wanted }, wanted));
  }
  select.value = wanted;
}

export function zoneSelect(id, selected) {
  const others = allZones().filter((zone) => !COMMON_ZONES.includes(zone));
  const select = el(
    "select",
    { id, name: id },
    el("optgroup", { label: "Common zones" }, COMMON_ZONES.map((zone) => el("option", { value: zone }, zone))),
    others.length
      ? el("optgroup", { label: "All zones" }, others.map((zone) => el("option", { value: zone }, zone)))
      : null,
  );
  setZone(select, selected);
  return select;
}
