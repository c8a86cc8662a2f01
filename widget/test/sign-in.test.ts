// A desktop's sign-in, pure parts: the server's sign-in option, popup messages, session
// renewal timing, the fallback module, banner and labels.

import assert from "node:assert/strict";
import { test } from "node:test";

import { accountLabel, signInButtonLabel } from "../src/account-view";
import { bannerText } from "../src/integration-banner";
import { PLATFORMS, platformModule } from "../src/platforms";
import { renewDelay, type AgentSession } from "../src/session";
import { isSignInOption } from "../src/sign-in";
import { loginOutcome, MESSAGE_TYPE } from "../src/sign-in-popup";

const session: AgentSession = {
  tenant_id: "acme",
  agent: { id: "u-1", name: "Ada Agent" },
  token: "t",
  expires_at: 3_600,
  refresh_token: "r",
};

test("a popup message is accepted only for this attempt's nonce", () => {
  const message = { type: MESSAGE_TYPE, nonce: "n-1", ok: true, session };
  assert.deepEqual(loginOutcome(message, "n-1"), { session });
  assert.equal(loginOutcome(message, "n-2"), null);
  assert.equal(loginOutcome({ ...message, type: "other" }, "n-1"), null);
  assert.equal(loginOutcome("not an object", "n-1"), null);
});

test("a failure message carries the server's code and message", () => {
  const error = { code: "wrong_organization", message: "another org" };
  const outcome = loginOutcome({ type: MESSAGE_TYPE, nonce: "n", ok: false, error }, "n");
  assert.deepEqual(outcome, { error });
});

test("a session is renewed at 80% of its life, at least a minute before it ends", () => {
  // Issued at 0 s, expires at 3600 s: renew at 2880 s.
  assert.equal(renewDelay(session, 0, 0), 2_880_000);
  // A short session (120 s) renews a minute before the end, not at 96 s.
  const short = { ...session, expires_at: 120 };
  assert.equal(renewDelay(short, 0, 0), 60_000);
  assert.equal(renewDelay(session, 4_000_000, 0), 0);
});

test("the banner names connections that are down and hides when all are up", () => {
  assert.equal(
    bannerText([{ provider: "genesys", state: "reconnecting", message: "socket closed" }]),
    "Genesys Cloud: connection lost, reconnecting… (socket closed)",
  );
  assert.equal(bannerText([{ provider: "genesys", state: "connected", message: null }]), null);
});

test("account labels say who is signed in and why a sign-in failed", () => {
  assert.equal(accountLabel({ state: "signed-in", name: "Ada Agent" }), "Signed in as Ada Agent");
  assert.match(
    accountLabel({ state: "failed", code: "wrong_organization", message: "x" }),
    /^Wrong organization/,
  );
  assert.match(accountLabel({ state: "expired", message: "ended" }), /^Session expired — sign in again/);
});

test("the server's sign-in option is accepted only when it names a popup path on /auth/", () => {
  const option = { flow: "tenant_idp", provider_name: "Acme Okta", login_path: "/auth/idp/login" };
  assert.equal(isSignInOption(option), true);
  assert.equal(isSignInOption({ ...option, login_path: "https://evil.example/auth/" }), false);
  assert.equal(isSignInOption({ ...option, provider_name: 7 }), false);
  assert.equal(isSignInOption({ code: "sign_in_not_configured", message: "x" }), false);
  assert.equal(isSignInOption(null), false);
});

test("the button names where the agent signs in, then offers to sign in again", () => {
  assert.equal(signInButtonLabel({ state: "signed-out" }, "Acme Okta"), "Sign in with Acme Okta");
  assert.equal(signInButtonLabel({ state: "expired", message: "x" }, "Acme Okta"), "Sign in again");
  assert.equal(accountLabel({ state: "preparing" }), "Getting sign-in ready…");
});

test("a platform without a browser module gets the plain one: sign-in, no agent actions", () => {
  const plain = platformModule("idpdesk");
  assert.equal(plain.name, "idpdesk");
  assert.equal(plain.agentActions, false);
  assert.equal(PLATFORMS["idpdesk"], undefined);
  for (const [name, module] of Object.entries(PLATFORMS)) {
    assert.equal(platformModule(name), module);
  }
});
