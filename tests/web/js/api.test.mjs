// The portal's API client, run in Node against a scripted fetch: body hash, ETags, retries, paging, errors.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { ApiError, listAll, request } from "../../../web/assets/js/lib/api.js";

function script(...answers) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url, ...init });
    const [status, body, headers = {}] = answers.shift();
    return new Response(status === 304 ? null : JSON.stringify(body), { status, headers });
  };
  return calls;
}

test("a write carries the SHA-256 of its exact body and the ETag it was given", async () => {
  const calls = script([200, { ok: true }, { ETag: '"new"' }]);
  const answer = await request("PUT", "/changes/CHG-1", { body: { changeTitle: "Ünïcode" }, ifMatch: '"old"' });
  const sent = calls[0];
  const expected = createHash("sha256").update(Buffer.from(sent.body)).digest("hex");
  assert.equal(sent.url, "/api/changes/CHG-1");
  assert.equal(sent.headers["x-amz-content-sha256"], expected);
  assert.equal(sent.headers["If-Match"], '"old"');
  assert.equal(Buffer.from(sent.body).toString("utf8"), JSON.stringify({ changeTitle: "Ünïcode" }));
  assert.equal(answer.etag, '"new"');
});

test("a write without a body hashes the empty body", async () => {
  const calls = script([200, {}]);
  await request("POST", "/changes/CHG-1/approve");
  assert.equal(calls[0].headers["x-amz-content-sha256"], createHash("sha256").update("").digest("hex"));
});

test("a 412 caused by the backend's own write (same version) is sent again on the current ETag", async () => {
  const conflict = { error: "changed", currentETag: '"backend"', currentVersion: 3, modifiedBy: "ccm-backend" };
  const calls = script([412, conflict], [200, { saved: true }, { ETag: '"mine"' }]);
  const answer = await request("PUT", "/changes/CHG-1", { body: { testPlan: "x" }, ifMatch: '"seen"', version: 3 });
  assert.deepEqual(
    calls.map((call) => call.headers["If-Match"]),
    ['"seen"', '"backend"'],
  );
  assert.deepEqual(answer.data, { saved: true });
});

test("a 412 caused by a person (a newer version) is reported, never retried", async () => {
  const conflict = { error: "changed", currentETag: '"theirs"', currentVersion: 4, modifiedBy: "ana@example.com" };
  const calls = script([412, conflict]);
  await assert.rejects(
    request("PUT", "/changes/CHG-1", { body: {}, ifMatch: '"seen"', version: 3 }),
    (error) => error instanceof ApiError && error.isConflict && error.body.modifiedBy === "ana@example.com",
  );
  assert.equal(calls.length, 1);
});

test("an unchanged object answers 304 with no data and keeps the ETag", async () => {
  script([304, null, { ETag: '"same"' }]);
  const answer = await request("GET", "/changes/CHG-1", { ifNoneMatch: '"same"' });
  assert.deepEqual([answer.status, answer.etag, answer.data], [304, '"same"', null]);
});

test("validation problems become one sentence naming each field", async () => {
  script([422, { error: "invalid", problems: [{ field: "changeTitle", message: "is required" }] }]);
  await assert.rejects(request("POST", "/changes", { body: {} }), { message: "changeTitle: is required" });
});

test("a list is followed cursor by cursor to its last page", async () => {
  const calls = script([200, { items: [1, 2], cursor: "c1" }], [200, { items: [3], cursor: null }]);
  assert.deepEqual(await listAll("/my-changes", { status: "all" }), [1, 2, 3]);
  assert.match(calls[1].url, /cursor=c1/);
  assert.match(calls[0].url, /status=all/);
});
