// A change's type and risk: an emergency needs a justification, and only a justified emergency may be submitted
// or approved inside a freeze window.
import { el } from "../dom.js";
import { field, group, select, textArea } from "../form/fields.js";
import { rule } from "../form/problems.js";

export const CHANGE_TYPES = [
  ["normal", "Normal"],
  ["standard", "Standard (pre-approved kind of change)"],
  ["emergency", "Emergency"],
];
export const RISKS = [
  ["low", "Low"],
  ["medium", "Medium"],
  ["high", "High"],
];
const NEEDS_REASON = "Say why this emergency cannot wait.";

export function classification() {
  const controls = {
    changeType: select("changeType", CHANGE_TYPES),
    risk: select("risk", RISKS),
    emergencyJustification: textArea("emergencyJustification", { rows: 3, maxlength: 50000 }),
  };
  const justification = field(controls.emergencyJustification, "Why it is an emergency", {
    required: true,
    hint: "Required for an emergency change; it is what lets it into a freeze window.",
  });
  const emergency = () => controls.changeType.value === "emergency";
  const showJustification = () => {
    justification.hidden = !emergency();
  };
  controls.changeType.addEventListener("change", showJustification);
  const fieldset = group("Type and risk", [
    el(
      "div",
      { className: "row" },
      field(controls.changeType, "Change type", { hint: "Emergency changes may enter freeze windows, with a justification." }),
      field(controls.risk, "Risk"),
    ),
    justification,
  ]);
  return {
    fieldset,
    controls,
    rules: [
      rule(
        "emergencyJustification",
        () => [controls.emergencyJustification],
        () => !emergency() || Boolean(controls.emergencyJustification.value.trim()),
        NEEDS_REASON,
      ),
    ],
    reset() {
      controls.changeType.value = "normal";
      controls.risk.value = "medium";
      controls.emergencyJustification.value = "";
      showJustification();
    },
    fill(document, { copy = false } = {}) {
      controls.changeType.value = copy ? "normal" : document.changeType || "normal";
      controls.risk.value = document.risk || "medium";
      controls.emergencyJustification.value = copy ? "" : document.emergencyJustification || "";
      showJustification();
    },
    values() {
      return {
        changeType: controls.changeType.value,
        risk: controls.risk.value,
        emergencyJustification: emergency() ? controls.emergencyJustification.value : "",
      };
    },
  };
}
