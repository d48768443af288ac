// Attachments of an announcement: links to documents kept elsewhere, each a name and an https address.
import { clear, el } from "../dom.js";
import { errorSlot } from "../form/fields.js";
import { rule } from "../form/problems.js";

const SECURE_LINK = /^https:\/\/\S+$/i;

function row(attachment = {}) {
  const name = typeof attachment === "string" ? attachment : attachment.name || "";
  const url = typeof attachment === "string" ? attachment : attachment.url || "";
  const remove = el("button", { type: "button", className: "btn btn-small btn-danger" }, "Remove");
  const item = el(
    "li",
    { className: "attachment-row" },
    el("label", { className: "attachment-part" }, "Name", el("input", { type: "text", className: "attachment-name", value: name, maxlength: 200 })),
    el(
      "label",
      { className: "attachment-part" },
      "Link (https)",
      el("input", { type: "url", className: "attachment-url", value: url, placeholder: "https://" }),
    ),
    remove,
  );
  return { item, remove };
}

export function attachmentList() {
  const list = el("ul", { className: "attachment-list", id: "attachmentList" });
  const add = el("button", { type: "button", className: "btn btn-small", id: "addAttachment" }, "Add a link");
  const fieldset = el(
    "fieldset",
    { id: "attachments-fieldset" },
    el("legend", {}, "Attachments (links)"),
    el("p", { className: "hint" }, "Link documents stored elsewhere (SharePoint, a wiki…): a name and an https address."),
    list,
    add,
    errorSlot("attachments"),
  );

  function append(attachment) {
    const { item, remove } = row(attachment);
    remove.addEventListener("click", () => {
      item.remove();
      const first = list.querySelector("input");
      (first || add).focus();
      fieldset.dispatchEvent(new Event("change", { bubbles: true }));
    });
    list.append(item);
    return item;
  }

  add.addEventListener("click", () => append({}).querySelector("input").focus());
  const links = () =>
    [...list.querySelectorAll(".attachment-row")]
      .map((item) => ({
        name: item.querySelector(".attachment-name").value.trim(),
        url: item.querySelector(".attachment-url").value.trim(),
      }))
      .filter((link) => link.name || link.url);
  const badUrls = () =>
    [...list.querySelectorAll(".attachment-url")].filter((input) => input.value.trim() && !SECURE_LINK.test(input.value.trim()));
  const noUrl = () =>
    [...list.querySelectorAll(".attachment-row")].filter(
      (item) => item.querySelector(".attachment-name").value.trim() && !item.querySelector(".attachment-url").value.trim(),
    );

  return {
    fieldset,
    rule: rule(
      "attachments",
      () => [fieldset],
      () => badUrls().length === 0 && noUrl().length === 0,
      "Give each link an address starting with https://.",
      { draft: true },
    ),
    targets: { attachments: () => [...badUrls(), ...noUrl().map((item) => item.querySelector(".attachment-url"))] },
    fill(attachments) {
      clear(list);
      for (const attachment of attachments || []) append(attachment);
    },
    values: () => links().map((link) => ({ name: link.name || link.url, url: link.url })),
  };
}
