// Statuses, their names and the moves between them, as the API enforces them (the API has the last word).
import { el } from "./dom.js";

export const STATUSES = ["draft", "submitted", "approved", "completed", "cancelled", "rejected"];

const LABELS = {
  draft: "Draft",
  submitted: "Pending approval",
  approved: "Approved",
  completed: "Completed",
  cancelled: "Cancelled",
  rejected: "Rejected",
};

export const ANNOUNCEMENT_TYPES = {
  cic: "CIC / Cloud Innovator Community",
  finops: "FinOps",
  innersource: "InnerSource Guild",
  general: "General",
};

export function normalStatus(status) {
  const value = String(status || "draft").toLowerCase();
  if (value === "waiting for approval" || value === "pending") return "submitted";
  return value;
}

export function statusLabel(status) {
  const value = normalStatus(status);
  return LABELS[value] || value;
}

export function statusBadge(status) {
  const value = normalStatus(status);
  return el("span", { className: `badge status-${STATUSES.includes(value) ? value : "other"}` }, statusLabel(value));
}

export function announcementTypeOf(item) {
  const raw = item.announcement_type || String(item.object_type || "").replace(/^announcement_/, "");
  return raw === "innersourcing" ? "innersource" : raw || "general";
}

/**
 * What `user` (the /api/user/context answer) may do with an item (a catalog row or a whole document).
 * Mirrors the API's rules so buttons are only offered where they will work. Approving and rejecting depend on the
 * approval policy: `approval.js` (openingsFor) says who may decide.
 */
export function allowedActions(item, user) {
  const status = normalStatus(item.status);
  const creator = (item.created_by || item.createdBy || "").toLowerCase();
  const me = (user.email || "").toLowerCase();
  const mine = creator === me;
  const approver = Boolean(user.isApprover || user.isAdmin);
  const owner = mine || Boolean(user.isAdmin);
  return {
    // Editing a rejected item takes it back to a draft, to fix and submit again.
    edit: owner && ["draft", "submitted", "approved", "rejected"].includes(status),
    submit: owner && status === "draft",
    complete: status === "approved" && (owner || approver),
    cancel: ["submitted", "approved"].includes(status) && (owner || approver),
    delete: owner && ["draft", "cancelled", "rejected"].includes(status),
    duplicate: true,
  };
}
