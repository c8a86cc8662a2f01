// Labels of the details panel: built-in types by name, tenant types readable as they are.

import assert from "node:assert/strict";
import { test } from "node:test";

import { entityLabel } from "../src/details-view";

test("built-in detail types have short labels", () => {
  assert.equal(entityLabel("order_id"), "Order");
  assert.equal(entityLabel("email"), "Email");
});

test("a tenant's own type reads as words", () => {
  assert.equal(entityLabel("loyalty_id"), "Loyalty id");
});
