// Finding customers among many: every typed word must match a code, name, environment or tag; groups to pick by.
import assert from "node:assert/strict";
import { test } from "node:test";

import { codesText, countText, customerGroups, matchCustomers } from "../../../web/assets/js/lib/customer-search.js";

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
