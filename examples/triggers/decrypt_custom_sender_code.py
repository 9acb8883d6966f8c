#!/usr/bin/env python3
"""Decrypts the `code` a CustomEmailSender / CustomSMSSender function receives from Cognate.

Cognate seals the code with the server's `custom_sender_key` (base64 of 32 bytes):
  aes_key = HKDF-SHA256(salt = none, ikm = key, info = b"cognate/seal/aes-256-gcm/v1", length = 32)
  sealed  = 0x01 || nonce (12 bytes) || AES-256-GCM ciphertext || tag (16 bytes)
  AAD     = 0x01 || b"cognate custom sender code"
Requires `pip install cryptography`.

Usage: python3 decrypt_custom_sender_code.py <custom_sender_key base64> <event.request.code>
"""

import base64
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def decrypt(key_b64, code_b64):
    key = base64.b64decode(key_b64)
    sealed = base64.b64decode(code_b64)
    if sealed[0] != 1:
        raise ValueError("unknown format version")
    aes_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"cognate/seal/aes-256-gcm/v1").derive(key)
    nonce, ciphertext = sealed[1:13], sealed[13:]
    return AESGCM(aes_key).decrypt(nonce, ciphertext, b"\x01cognate custom sender code").decode()


if __name__ == "__main__":
    print(decrypt(sys.argv[1], sys.argv[2]))
