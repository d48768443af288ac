// The type of an announcement (CIC, FinOps, InnerSource, general): radio buttons, and the id prefix it gives.
import { el } from "../dom.js";
import { errorSlot, requiredMark } from "../form/fields.js";
import { ANNOUNCEMENT_TYPES } from "../status.js";

/** The id prefix of each announcement type (the API's ANNOUNCEMENT_PREFIXES). */
export const ANNOUNCEMENT_PREFIXES = { cic: "CIC", finops: "FIN", innersource: "INN", general: "GEN" };
const TYPE_ICONS = { cic: "☁️", finops: "💰", innersource: "🔧", general: "📢" };
export const DEFAULT_TYPE = "cic";

export function newAnnouncementId(type) {
  return `${ANNOUNCEMENT_PREFIXES[type] || "GEN"}-${crypto.randomUUID()}`;
}

/** The type chooser; `onChange(type)` hears the user's choice. */
export function typeChooser(onChange = () => {}) {
  const radios = Object.keys(ANNOUNCEMENT_TYPES).map((value) =>
    el("input", { type: "radio", name: "announcement_type", id: `type-${value}`, value }),
  );
  const lockedNote = el("p", { className: "hint", hidden: true }, "The type is part of the id and cannot change once created.");
  const fieldset = el(
    "fieldset",
    { className: "type-chooser", id: "type-fieldset" },
    el("legend", {}, "Announcement type", requiredMark()),
    Object.entries(ANNOUNCEMENT_TYPES).map(([value, label], index) =>
      el(
        "label",
        { className: "type-option", for: `type-${value}` },
        radios[index],
        el("span", { "aria-hidden": "true" }, `${TYPE_ICONS[value]} `),
        label,
      ),
    ),
    lockedNote,
    errorSlot("announcement_type"),
  );
  fieldset.addEventListener("change", (event) => {
    if (event.target.name === "announcement_type") onChange(event.target.value);
  });
  const value = () => (radios.find((radio) => radio.checked) || {}).value || "";
  return {
    fieldset,
    radios: () => radios,
    value,
    /** Select `type`; `locked`: the others cannot be chosen any more (an existing announcement's id says its type). */
    set(type, { locked = false } = {}) {
      for (const radio of radios) {
        radio.checked = radio.value === type;
        radio.disabled = locked && radio.value !== type;
      }
      lockedNote.hidden = !locked;
    },
  };
}
