// Reading the launch URL: tenant, conversation (or its Genesys alias) and the fragment token.

import assert from "node:assert/strict";
import { test } from "node:test";

import { parseLaunchParams } from "../src/params";

test("tenant and conversation come from the query, the token from the fragment", () => {
  const params = parseLaunchParams(
    new URL("https://cuecard.example/widget/?tenant=acme&conversation=c-1#token=abc.def.ghi"),
  );
  assert.deepEqual(params, {
    tenant: "acme",
    conversationId: "c-1",
    token: "abc.def.ghi",
    genesys: false,
    platform: null,
  });
});

test("a platform's page names its platform", () => {
  const url = "https://x.example/widget/simulator?tenant=demo&hostOrigin=https%3A%2F%2Fd.example";
  assert.equal(parseLaunchParams(new URL(url)).platform, "simulator");
  assert.equal(parseLaunchParams(new URL("https://x.example/widget/genesys?tenant=a")).platform, "genesys");
  assert.equal(parseLaunchParams(new URL("https://x.example/widget/?tenant=a")).platform, null);
});

test("the Genesys entry reads the interpolated conversation and ignores empty placeholders", () => {
  const params = parseLaunchParams(
    new URL("https://x.example/widget/genesys?tenant=acme&conversationId=g-1&gcHostOrigin=h"),
  );
  assert.equal(params.genesys, true);
  assert.equal(params.conversationId, "g-1");
  const raw = parseLaunchParams(
    new URL("https://x.example/widget/genesys?tenant=acme&conversationId={{gcConversationId}}"),
  );
  assert.equal(raw.conversationId, null);
});

test("gcConversationId is an alias of conversation", () => {
  const params = parseLaunchParams(
    new URL("https://x.example/widget/?tenant=acme&gcConversationId=g-9&gcHostOrigin=y#token=t"),
  );
  assert.equal(params.conversationId, "g-9");
});

test("a token in the query is not accepted", () => {
  const params = parseLaunchParams(new URL("https://x.example/widget/?tenant=acme&token=leaky"));
  assert.equal(params.token, null);
  assert.equal(params.conversationId, null);
});
