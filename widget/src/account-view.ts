// The sign-in strip of a desktop's widget: who is signed in, or a button to sign in (again).

export type AccountState =
  | { state: "preparing" }
  | { state: "signed-out" }
  | { state: "signing-in" }
  | { state: "signed-in"; name: string }
  | { state: "failed"; code: string; message: string }
  | { state: "expired"; message: string };

/** The text shown for a state; the server's message explains failures such as the org check. */
export function accountLabel(account: AccountState): string {
  switch (account.state) {
    case "preparing":
      return "Getting sign-in ready…";
    case "signed-out":
      return "Sign in to see suggestions for this conversation";
    case "signing-in":
      return "Signing in…";
    case "signed-in":
      return `Signed in as ${account.name}`;
    case "failed":
      return account.code === "wrong_organization"
        ? `Wrong organization: ${account.message}`
        : account.message;
    case "expired":
      return `Session expired — sign in again (${account.message})`;
  }
}

/** The sign-in button's text; `provider` is the platform or the tenant's identity provider. */
export function signInButtonLabel(account: AccountState, provider: string): string {
  return account.state === "signed-out" ? `Sign in with ${provider}` : "Sign in again";
}

export class AccountView {
  private provider = "";

  constructor(
    private readonly box: HTMLElement,
    private readonly label: HTMLElement,
    private readonly button: HTMLButtonElement,
  ) {
    this.box.hidden = false;
  }

  /** Where agents sign in, as they know it (e.g. "Genesys Cloud", or the tenant's "Okta"). */
  setProvider(name: string): void {
    this.provider = name;
  }

  /** Calls `signIn` on each click of the sign-in button. */
  onSignIn(signIn: () => void): void {
    this.button.addEventListener("click", signIn);
  }

  show(account: AccountState): void {
    this.label.textContent = accountLabel(account);
    this.box.dataset["state"] = account.state;
    if (account.state === "failed") {
      this.box.dataset["code"] = account.code;
    } else {
      delete this.box.dataset["code"];
    }
    const busy = ["signed-in", "signing-in", "preparing"].includes(account.state);
    this.button.hidden = busy;
    this.button.textContent = signInButtonLabel(account, this.provider);
  }
}
