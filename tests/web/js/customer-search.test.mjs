// Finding customers among many: every typed word must match a code, name, environment or tag; groups to pick by.
import assert from "node:assert/strict";
import { test } from "node:test";

import { codeBatches, codesText, countText, customerGroups, matchCustomers, mergeWarnings } from "../../../web/assets/js/lib/customer-search.js";

const CUSTOMERS = [
  { code: "alpha", name: "Alpha Retail", environment: "prod", tags: ["retail", "tier-1"] },
  { code: "northwind-finance", name: "Northwind Finance", environment: "prod", tags: ["finance", "eu"] },
  { code: "northwind-finance-dev", name: "Northwind Finance (dev)", environment: "nonprod", tags: ["finance", "eu"] },
  { code: "cedar-health", name: "Cedar Health", environment: "prod", tags: ["health", "us"] },
];

test("an empty filter matches every customer", () => {
  assert.deepEqual(matchCustomers(CUSTOMERS, "  "), CUSTOMERS);
});

test("every word must match the code, name, environment or a tag, whatever its case", () => {
  assert.deepEqual(
    matchCustomers(CUSTOMERS, "NORTHWIND").map((each) => each.code),
    ["northwind-finance", "northwind-finance-dev"],
  );
  assert.deepEqual(matchCustomers(CUSTOMERS, "eu nonprod").map((each) => each.code), ["northwind-finance-dev"]);
  assert.deepEqual(matchCustomers(CUSTOMERS, "tier-1").map((each) => each.code), ["alpha"]);
  assert.deepEqual(matchCustomers(CUSTOMERS, "cedar retail"), []);
});

test("the groups are the environments, then the tags, each with its customers", () => {
  const { environments, tags } = customerGroups(CUSTOMERS);
  assert.deepEqual(
    environments.map((group) => [group.key, group.label, group.codes.length]),
    [
      ["env:nonprod", "Environment nonprod (1)", 1],
      ["env:prod", "Environment prod (3)", 3],
    ],
  );
  assert.deepEqual(tags.find((group) => group.key === "tag:finance").codes, ["northwind-finance", "northwind-finance-dev"]);
  assert.deepEqual(tags.map((group) => group.key), ["tag:eu", "tag:finance", "tag:health", "tag:retail", "tag:tier-1", "tag:us"]);
});

test("the count says how many are chosen and how many match", () => {
  assert.equal(countText(3, 1000, 1000), "3 selected · 1,000 customers");
  assert.equal(countText(0, 12, 1000), "0 selected · 12 of 1,000 customers match");
});

test("codes in a sentence are counted past the limit", () => {
  assert.equal(codesText(["alpha", "bravo"]), "alpha, bravo");
  const many = Array.from({ length: 1000 }, (_, index) => `c${index}`);
  assert.equal(codesText(many), "c0, c1, c2, c3, c4 and 995 more");
  assert.equal(codesText(undefined), "");
});

test("a thousand codes are asked for in batches that each fit in an address", () => {
  const codes = Array.from({ length: 1000 }, (_, index) => `northwind-manufacturing-${index}`);
  const batches = codeBatches(codes);
  assert.ok(batches.length > 1);
  assert.deepEqual(batches.flat(), codes);
  for (const batch of batches) assert.ok(batch.join(",").length <= 6000);
  assert.deepEqual(codeBatches(["alpha", "bravo"]), [["alpha", "bravo"]]);
});

test("the batches' warnings are one answer: each conflict and freeze once, with every customer", () => {
  const freeze = { name: "Year end", start: "2030-12-20T00:00:00Z", end: "2031-01-02T00:00:00Z" };
  const conflict = { id: "CHG-1", title: "Patch", overlapStart: "a", overlapEnd: "b" };
  const merged = mergeWarnings([
    { start: "s", end: "e", customers: ["alpha"], conflicts: [{ ...conflict, customers: ["alpha"] }], freezes: [{ ...freeze, affectedCustomers: ["alpha"] }] },
    { start: "s", end: "e", customers: ["zulu"], conflicts: [{ ...conflict, customers: ["zulu"] }], freezes: [{ ...freeze, affectedCustomers: ["zulu"] }] },
  ]);
  assert.deepEqual(merged.customers, ["alpha", "zulu"]);
  assert.deepEqual(merged.conflicts, [{ ...conflict, customers: ["alpha", "zulu"] }]);
  assert.deepEqual(merged.freezes, [{ ...freeze, affectedCustomers: ["alpha", "zulu"] }]);
});
