// How a change is approved, on the change form: its type (normal, emergency, or standard from a template), its
// risk, and an emergency's justification. Choosing a standard template fills in its plans; a change whose plans
// stay the template's is approved on submission, and editing them makes it a normal change (the API decides).
import { get } from "../api.js";
import { el } from "../dom.js";
import { field, group, hintId, select, textArea } from "../form/fields.js";
import { rule } from "../form/problems.js";

export const CHANGE_TYPES = [
  ["normal", "Normal: approved by the approvers the policy names"],
  ["emergency", "Emergency: one approver now, the normal approval after the fact"],
  ["standard", "Standard: from a pre-approved template"],
];
export const RISKS = [
  ["low", "Low"],
  ["medium", "Medium"],
  ["high", "High"],
];
const PLAN_FIELDS = ["changeTitle", "changeReason", "implementationPlan", "testPlan", "rollbackPlan", "customerImpact"];

/** The approval part of the change form; `controls` are the form's controls (the template fills some of them). */
export function changeApproval(controls) {
  const templateSelect = select("templateId", [["", "None: describe the change yourself"]]);
  const typeSelect = select("changeType", CHANGE_TYPES);
  const riskSelect = select("risk", RISKS);
  const justification = textArea("emergencyJustification", { rows: 3, maxlength: 50000 });
  const justificationField = field(justification, "Why it cannot wait", {
    required: true,
    hint: "Approvers read this before the one approval an emergency needs.",
  });
  const templates = new Map();
  let templatesLoaded = null;

  function showJustification() {
    justificationField.hidden = typeSelect.value !== "emergency";
  }

  function standardAllowed() {
    const standard = typeSelect.querySelector('option[value="standard"]');
    standard.disabled = !templateSelect.value;
    if (!templateSelect.value && typeSelect.value === "standard") typeSelect.value = "normal";
  }

  function applyTemplate() {
    const chosen = templates.get(templateSelect.value);
    standardAllowed();
    if (!chosen) return;
    for (const key of PLAN_FIELDS) if (controls[key] && chosen[key]) controls[key].value = chosen[key];
    typeSelect.value = "standard";
    riskSelect.value = chosen.risk || "low";
    showJustification();
  }

  typeSelect.addEventListener("change", showJustification);
  templateSelect.addEventListener("change", applyTemplate);

  /** The templates everyone may start from, once; the select keeps its place while they arrive. */
  function loadTemplates() {
    templatesLoaded ??= get("/templates")
      .then(({ data }) => {
        for (const template of data.items || []) {
          templates.set(template.id, template);
          templateSelect.append(el("option", { value: template.id }, `${template.id}: ${template.name}`));
        }
      })
      .catch(() => {
        templateSelect.append(el("option", { value: "", disabled: true }, "(the templates could not be loaded)"));
      });
    return templatesLoaded;
  }

  const fieldset = group("Approval", [
    el(
      "div",
      { className: "row" },
      field(typeSelect, "Change type", { hint: "Emergency changes need a justification." }),
      field(riskSelect, "Risk", { hint: "Higher risk may need more approvers." }),
    ),
    field(templateSelect, "Standard change template", {
      hint: "A change from an unchanged template is approved when you submit it.",
    }),
    justificationField,
  ]);

  const rules = [
    rule(
      "emergencyJustification",
      () => [justification],
      () => typeSelect.value !== "emergency" || Boolean(justification.value.trim()),
      "Say why this emergency cannot wait.",
    ),
  ];

  function reset() {
    templateSelect.value = "";
    typeSelect.value = "normal";
    riskSelect.value = "medium";
    justification.value = "";
    standardAllowed();
    showJustification();
  }

  async function fill(document, { copy = false } = {}) {
    await loadTemplates();
    const templateId = document.templateId || "";
    if (templateId && !templates.has(templateId)) {
      templateSelect.append(el("option", { value: templateId }, `${templateId} (retired)`));
    }
    templateSelect.value = templateId;
    standardAllowed();
    typeSelect.value = document.changeType || "normal";
    riskSelect.value = document.risk || "medium";
    justification.value = copy ? "" : document.emergencyJustification || "";
    if (copy && typeSelect.value === "emergency") typeSelect.value = "normal";
    showJustification();
  }

  function values() {
    const type = typeSelect.value;
    return {
      changeType: type,
      risk: riskSelect.value,
      emergencyJustification: type === "emergency" ? justification.value : "",
      templateId: templateSelect.value || null,
    };
  }

  justification.setAttribute("aria-describedby", hintId("emergencyJustification"));
  loadTemplates();
  return { fieldset, rules, reset, fill, values, controls: { templateId: templateSelect, changeType: typeSelect, risk: riskSelect, emergencyJustification: justification } };
}
