"""Our compact JWS (kiosk/core/jws.py) against PyJWT and joserfc, EdDSA pinned in each.

Each verifier gets the same tokens: one good, and the refusals our tests require
(tests/core/test_jws.py, test_trust.py, test_booking_tokens.py and the fuzz tests), each
signed with the trusted key where the point is that the signature is valid but the content is
not acceptable (a repeated key, NaN, deep nesting). A row says, per verifier, ``refused``
(its own error type), ``ACCEPTED`` (the token passed: a refusal test would fail) or the
name of the exception that escaped (``RecursionError``…: our callers catch one error type).
Then the time to verify a good token (µs, best of 5 x 2,000) and the start-up a verifier
costs (CPU ms to import it in a fresh process, and its max RSS above a bare interpreter).

Only ours is a dependency; PyJWT and joserfc are measured where they are installed (the
README's figures come from a scratch venv with both):

    .venv/bin/python -m bench.jws_libraries
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import timeit
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.core.jws import JwsError, b64url_decode, b64url_encode, sign, verify

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
CLAIMS = {"typ": "bk", "bid": "B12345678", "off": "chuo", "svc": "pension", "slot": 1760000000}

Verifier = Callable[[str], Any]


def _signed(header_json: str, claims_json: str, key: Ed25519PrivateKey = KEY) -> str:
    """A token over exactly these JSON texts (repeated keys and NaN survive)."""
    head = b64url_encode(header_json.encode())
    body = b64url_encode(claims_json.encode())
    signature = key.sign(f"{head}.{body}".encode("ascii"))
    return f"{head}.{body}.{b64url_encode(signature)}"


def cases() -> list[tuple[str, str, bool]]:
    """(what, token, accept?) for every case."""
    good = sign(CLAIMS, KEY, "k1")
    head, body, sig = good.split(".")
    flipped = bytearray(b64url_decode(sig))
    flipped[0] ^= 1
    claims = json.dumps(CLAIMS)
    nested = "[" * 5000 + "]" * 5000
    none_head = b64url_encode(b'{"alg":"none"}')
    return [
        ("a good token", good, True),
        ("alg none, no signature", f"{none_head}.{body}.", False),
        (
            "alg HS256",
            _signed('{"alg":"HS256","kid":"k1"}', claims),
            False,
        ),
        ("a flipped signature bit", f"{head}.{body}.{b64url_encode(bytes(flipped))}", False),
        ("an unknown kid", sign(CLAIMS, KEY, "k9"), False),
        ("signed by another key", sign(CLAIMS, OTHER, "k1"), False),
        (
            "a repeated key in the header",
            _signed('{"alg":"EdDSA","kid":"k1","kid":"k1"}', claims),
            False,
        ),
        (
            "a repeated key in the claims (which office?)",
            _signed('{"alg":"EdDSA","kid":"k1"}', '{"typ":"bk","off":"chuo","off":"shisui"}'),
            False,
        ),
        ("NaN in the claims", _signed('{"alg":"EdDSA","kid":"k1"}', '{"typ":"bk","n":NaN}'), False),
        (
            "claims nested 5,000 deep",
            _signed('{"alg":"EdDSA","kid":"k1"}', '{"typ":"bk","x":' + nested + "}"),
            False,
        ),
        (
            "a critical header extension",
            _signed('{"alg":"EdDSA","kid":"k1","crit":["exp"],"exp":1}', claims),
            False,
        ),
        ("padding '=' after the signature", f"{good}==", False),
        ("a non-ASCII character in the payload", f"{head}.{body[:-1]}é.{sig}", False),
        ("claims that are a JSON list", _signed('{"alg":"EdDSA","kid":"k1"}', "[1,2]"), False),
        ("4 KB of base64url garbage", "A" * 2000 + "." + "B" * 2000 + "." + "C" * 100, False),
    ]


def ours() -> Verifier:
    """kiosk.core.jws.verify with the trusted key under ``k1``."""
    keys = {"k1": KEY.public_key()}
    return lambda token: verify(token, keys).claims


def pyjwt() -> tuple[Verifier, type[Exception]] | None:
    """PyJWT's ``decode_complete``, algorithms=["EdDSA"], the key chosen by ``kid``."""
    try:
        jwt: Any = importlib.import_module("jwt")
    except ImportError:
        return None
    keys = {"k1": KEY.public_key()}

    def check(token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in keys:
            raise jwt.InvalidTokenError("unknown kid")
        return jwt.decode_complete(token, keys[kid], algorithms=["EdDSA"])["payload"]

    return check, jwt.PyJWTError


def joserfc() -> tuple[Verifier, type[Exception]] | None:
    """joserfc's ``jwt.decode``, algorithms=["EdDSA"], a KeySet that picks by ``kid``."""
    try:
        jwt: Any = importlib.import_module("joserfc.jwt")
        errors: Any = importlib.import_module("joserfc.errors")
        jwk: Any = importlib.import_module("joserfc.jwk")
    except ImportError:
        return None
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    pem = KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    keys = jwk.KeySet([jwk.OKPKey.import_key(pem, {"kid": "k1"})])
    warnings.filterwarnings("ignore", message="EdDSA is deprecated")

    def check(token: str) -> Any:
        return jwt.decode(token, keys, algorithms=["EdDSA"]).claims

    return check, errors.JoseError


def outcome(check: Verifier, own: type[Exception], token: str) -> str:
    """``accepted``, ``refused`` or the name of the exception that escaped."""
    try:
        check(token)
    except own:
        return "refused"
    except Exception as exc:  # noqa: BLE001 - the point is to name what escapes
        return type(exc).__name__
    return "ACCEPTED"


_IMPORT = """
import json, time
t0 = time.process_time()
{body}
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps([(time.process_time() - t0) * 1000, int(hwm.split()[1]) / 1024]))
"""
_IMPORTS = {
    "ours": "import kiosk.core.jws",
    "PyJWT": "import jwt, jwt.algorithms",
    "joserfc": "from joserfc import jwt, jws\nfrom joserfc.jwk import KeySet, OKPKey",
}


def startup(body: str, runs: int = 5) -> tuple[float, float] | None:
    """Median CPU ms and max RSS MB of fresh processes running ``body``."""
    samples = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _IMPORT.format(body=body)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return None
        samples.append(json.loads(done.stdout))
    samples.sort()
    return samples[len(samples) // 2][0], sorted(s[1] for s in samples)[len(samples) // 2]


def main() -> None:
    """Print the refusal table, the verify time and the start-up cost."""
    verifiers: dict[str, tuple[Verifier, type[Exception]]] = {"ours": (ours(), JwsError)}
    for name, factory in (("PyJWT", pyjwt), ("joserfc", joserfc)):
        built = factory()
        if built is not None:
            verifiers[name] = built
    names = list(verifiers)
    print("| token | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    wrong = dict.fromkeys(names, 0)
    for what, token, accept in cases():
        cells = []
        for name in names:
            check, own = verifiers[name]
            result = outcome(check, own, token)
            right = result == ("ACCEPTED" if accept else "refused")
            wrong[name] += not right
            cells.append(result.lower() if right else f"**{result}**")
        print(f"| {what} | " + " | ".join(cells) + " |")
    print("| **wrong** | " + " | ".join(f"**{wrong[n]}**" for n in names) + " |")
    good = cases()[0][1]
    cells = []
    for name in names:
        check = verifiers[name][0]
        best = min(timeit.repeat(partial(check, good), number=2000, repeat=5))
        cells.append(f"{best / 2000 * 1e6:.0f}")
    print("| verify a good token, µs | " + " | ".join(cells) + " |")
    bare = startup("pass")
    assert bare is not None
    cells = []
    for name in names:
        cost = startup(_IMPORTS[name])
        cells.append("—" if cost is None else f"{cost[0]:.0f} ms, +{cost[1] - bare[1]:.1f} MB")
    print("| import (CPU, fresh process), RSS above bare | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
