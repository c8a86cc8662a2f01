"""Sealing secrets at rest with Fernet (LLM API keys, integration and identity-provider
secrets, agents' tokens).

Example::

    box = SecretBox(settings.secret_key)
    sealed = box.seal("sk-live-abcd")       # SealedKey(last4='abcd'); store sealed.ciphertext
    assert box.open(sealed.ciphertext) == "sk-live-abcd"
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from server.errors import CuecardError
from server.store.llm_integrations import SealedKey

# Changing a context string yields a different key: it names what the key protects.
LLM_KEY_CONTEXT = b"cuecard/llm-integrations/api-key/v1"
INTEGRATION_SECRETS_CONTEXT = b"cuecard/integrations/secrets/v1"
AGENT_IDP_SECRET_CONTEXT = b"cuecard/agent-idp/client-secret/v1"


def agent_tokens_context(platform: str) -> bytes:
    """The context agents' tokens of ``platform`` are sealed under: one key per platform."""
    return f"cuecard/{platform}/agent-tokens/v1".encode()


class SecretUnreadable(CuecardError):
    """A sealed secret does not open with this server's key (the secret key changed?)."""

    code = "secret_unreadable"
    status = 500


def derive_key(secret_key: SecretStr, context: bytes = LLM_KEY_CONTEXT) -> bytes:
    """The Fernet key for ``secret_key`` and ``context``: HKDF-SHA256, urlsafe base64."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=context)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.get_secret_value().encode()))


class SecretBox:
    """Seals and opens API keys; the plaintext only ever lives in the caller's variables."""

    def __init__(self, secret_key: SecretStr, context: bytes = LLM_KEY_CONTEXT) -> None:
        self._fernet = Fernet(derive_key(secret_key, context))

    def __repr__(self) -> str:
        return "SecretBox()"

    def seal(self, plaintext: str) -> SealedKey:
        """The encrypted key and its last four characters."""
        token = self._fernet.encrypt(plaintext.encode()).decode("ascii")
        return SealedKey(ciphertext=token, last4=plaintext[-4:])

    def open(self, ciphertext: str) -> str:
        """The plaintext of a sealed key; :class:`SecretUnreadable` if it does not open."""
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, ValueError) as err:
            raise SecretUnreadable(
                "a stored secret cannot be decrypted with this server's key"
            ) from err
