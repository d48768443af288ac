// An approval card at a thousand customers lists the requirements the approver acts on and counts the rest.
import assert from "node:assert/strict";
import { test } from "node:test";

import { focusRequirements } from "../../../web/assets/js/lib/requirement-focus.js";

const perCustomer = (count, met = 0) =>
  Array.from({ length: count }, (_, index) => ({ id: `customer:c${index}`, label: `C${index} owners`, met: index < met }));

test("a few requirements are all listed", () => {
  const few = perCustomer(6);
  assert.deepEqual(focusRequirements(few, ["customer:c1"]), { shown: few, others: null });
});

test("among a thousand, the approver's own are listed and the rest counted", () => {
  const many = perCustomer(1000, 3);
  const { shown, others } = focusRequirements(many, ["customer:c500", "customer:c7"]);
  assert.deepEqual(shown.map((state) => state.id), ["customer:c7", "customer:c500"]);
  assert.equal(others, "and 998 other requirements, 3 of them met");
});

test("someone who counts towards none sees the first open ones", () => {
  const { shown, others } = focusRequirements(perCustomer(1000, 2), []);
  assert.deepEqual(shown.map((state) => state.id), ["customer:c2", "customer:c3", "customer:c4", "customer:c5", "customer:c6", "customer:c7"]);
  assert.equal(others, "and 994 other requirements, 2 of them met");
});
