// What a live event says in a toast: a meeting update is "moved" only when the history shows its time changed.
import assert from "node:assert/strict";
import { test } from "node:test";

import { eventWords } from "../../../web/assets/js/lib/live.js";

const ARN = "arn:aws:sts::123456789012:user/moto";

function meetingEntry(type, start, subject = "Patch") {
  return {
    modification_type: type,
    user_id: ARN,
    meeting_metadata: { meeting_id: "m-1", subject, start_time: start, end_time: "2030-01-09T18:00:00Z" },
  };
}

test("a meeting update toasts as moved when its window changed, and as updated when only its details did", () => {
  const event = { type: "meeting_updated", objectId: "CHG-1", version: 3 };
  const scheduled = meetingEntry("meeting_scheduled", "2030-01-07T15:00:00Z");
  const moved = meetingEntry("meeting_updated", "2030-01-09T15:00:00Z");
  const renamed = meetingEntry("meeting_updated", "2030-01-09T15:00:00Z", "Patch v2");

  assert.equal(eventWords(event, { modifications: [scheduled, moved] }), "has its meeting moved");
  // Judged by the latest update: a rename after the move did not move it again.
  assert.equal(eventWords(event, { modifications: [scheduled, moved, renamed] }), "has its meeting updated");
  assert.equal(eventWords(event, {}), "has its meeting updated");
  assert.equal(eventWords({ type: "approved", objectId: "CHG-1" }, {}), "was approved");
});
