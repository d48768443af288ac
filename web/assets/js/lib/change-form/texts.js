// The five texts every change explains itself with: [field id, label, hint].
export const CHANGE_TEXTS = [
  ["changeReason", "Reason for the change", "Why the change is needed."],
  ["implementationPlan", "Implementation plan", "The steps, in order, and who does them."],
  ["testPlan", "Test plan", "How you will confirm that the change worked."],
  ["customerImpact", "Customer impact", "What customers will notice, and for how long."],
  ["rollbackPlan", "Rollback plan", "How the change is undone if something goes wrong."],
];
