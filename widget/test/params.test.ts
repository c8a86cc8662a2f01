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
    platform: null,
  });
});

test("a platform entry names its platform; assets and odd paths name none", () => {
  const entry = (path: string): string | null =>
    parseLaunchParams(new URL(`https://x.example${path}?tenant=acme`)).platform;
  assert.equal(entry("/widget/genesys"), "genesys");
  assert.equal(entry("/widget/genesys/"), "genesys");
  assert.equal(entry("/widget/"), null);
  assert.equal(entry("/widget/widget.js"), null);
  assert.equal(entry("/widget/Genesys"), null);
});

test("the Genesys entry reads the interpolated conversation and ignores empty placeholders", () => {
  const params = parseLaunchParams(
    new URL("https://x.example/widget/genesys?tenant=acme&conversationId=g-1&gcHostOrigin=h"),
  );
  assert.equal(params.platform, "genesys");
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
