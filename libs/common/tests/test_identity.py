"""The identity assertion: what a service accepts, what it refuses, and what a caller's scope covers."""

import json
import time
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from styrkedjan_common import identity
from styrkedjan_common.identity import (
    ALL_UNITS,
    AssertionSigner,
    AssertionVerifier,
    Assignment,
    InvalidAssertion,
    Principal,
    Role,
    generate_private_key_pem,
    key_id,
    public_key_pem,
    split_pem_bundle,
)

ISSUER = "styrkedjan-gateway"
AUDIENCE = "goals"


@pytest.fixture(scope="module")
def private_pem():
    return generate_private_key_pem()


@pytest.fixture
def signer(private_pem):
    return AssertionSigner(private_pem, ISSUER)


@pytest.fixture
def verifier(private_pem):
    return AssertionVerifier(public_key_pem(private_pem), ISSUER, AUDIENCE)


def council_and_board() -> Principal:
    return Principal(
        user_id="u-1",
        name="Anna Andersson",
        assignments=(
            Assignment(Role.FULLMAKTIGE, "root", None),
            Assignment(Role.NAMND, "board-1", frozenset({"board-1", "adm-1", "unit-1"})),
        ),
    )


def raw_token(private_pem: str, claims: dict, **headers) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": key_id(key.public_key())} | headers)


def valid_claims(**changes) -> dict:
    now = int(time.time())
    claims = council_and_board().to_claims() | {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 60}
    return claims | changes


# --- sign and verify ----------------------------------------------------------------------


def test_signed_assertion_verifies_to_the_same_principal(signer, verifier):
    token, expires = signer.sign(council_and_board(), AUDIENCE)
    assert verifier.verify(token) == council_and_board()
    assert time.time() < expires <= time.time() + 61


def test_assertion_header_names_the_signing_key(signer, private_pem):
    token, _ = signer.sign(council_and_board(), AUDIENCE)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert header["kid"] == signer.kid
    assert signer.kid == key_id(serialization.load_pem_private_key(private_pem.encode(), None).public_key())


def test_claims_carry_a_whole_municipality_scope_as_a_star(signer):
    token, _ = signer.sign(council_and_board(), AUDIENCE)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "u-1" and claims["name"] == "Anna Andersson"
    assert claims["iss"] == ISSUER and claims["aud"] == AUDIENCE and claims["exp"] - claims["iat"] == 60
    assert claims["assignments"] == [
        {"role": "fullmaktige", "org_unit_id": "root", "scope": ALL_UNITS},
        {"role": "namnd", "org_unit_id": "board-1", "scope": ["adm-1", "board-1", "unit-1"]},
    ]


def test_missing_assertion_is_refused(verifier):
    for token in (None, ""):
        with pytest.raises(InvalidAssertion, match="no identity assertion"):
            verifier.verify(token)


def test_expired_assertion_is_refused(signer, verifier):
    token, _ = signer.sign(council_and_board(), AUDIENCE, now=time.time() - 61)
    with pytest.raises(InvalidAssertion, match="expired"):
        verifier.verify(token)


def test_assertion_issued_in_the_future_is_refused(private_pem, verifier):
    later = int(time.time()) + 3600
    with pytest.raises(InvalidAssertion, match="not valid"):
        verifier.verify(raw_token(private_pem, valid_claims(iat=later, exp=later + 60)))


def test_assertion_for_another_audience_is_refused(signer, verifier):
    token, _ = signer.sign(council_and_board(), "budget")
    with pytest.raises(InvalidAssertion, match="Audience"):
        verifier.verify(token)


def test_assertion_from_another_issuer_is_refused(private_pem, verifier):
    token, _ = AssertionSigner(private_pem, "someone-else").sign(council_and_board(), AUDIENCE)
    with pytest.raises(InvalidAssertion, match="issuer"):
        verifier.verify(token)


def test_assertion_signed_by_an_unknown_key_is_refused(verifier):
    token, _ = AssertionSigner(generate_private_key_pem(), ISSUER).sign(council_and_board(), AUDIENCE)
    with pytest.raises(InvalidAssertion, match="unknown key"):
        verifier.verify(token)


def test_assertion_whose_kid_names_a_trusted_key_but_is_signed_by_another_is_refused(private_pem, verifier):
    trusted_kid = AssertionSigner(private_pem, ISSUER).kid
    forged = raw_token(generate_private_key_pem(), valid_claims(), kid=trusted_kid)
    with pytest.raises(InvalidAssertion, match="not valid"):
        verifier.verify(forged)


def test_tampered_assertion_is_refused(signer, verifier):
    token, _ = signer.sign(Principal("u-2", "Bo", (Assignment(Role.ENHET, "unit-1", frozenset({"unit-1"})),)), AUDIENCE)
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["assignments"] = [{"role": "fullmaktige", "org_unit_id": "root", "scope": "*"}]
    elevated = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    with pytest.raises(InvalidAssertion, match="not valid"):
        verifier.verify(f"{header}.{elevated}.{signature}")


def test_unsigned_assertion_is_refused(private_pem, verifier):
    kid = AssertionSigner(private_pem, ISSUER).kid
    unsigned = jwt.encode(valid_claims(), None, algorithm="none", headers={"kid": kid})
    with pytest.raises(InvalidAssertion):
        verifier.verify(unsigned)


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "e30.e30.e30"])
def test_malformed_assertion_is_refused(verifier, token):
    with pytest.raises(InvalidAssertion):
        verifier.verify(token)


@pytest.mark.parametrize("claim", ["sub", "exp", "iat", "iss", "aud", "assignments"])
def test_assertion_missing_a_required_claim_is_refused(private_pem, verifier, claim):
    claims = valid_claims()
    del claims[claim]
    with pytest.raises(InvalidAssertion, match="not valid"):
        verifier.verify(raw_token(private_pem, claims))


@pytest.mark.parametrize(
    "assignment",
    [
        {"role": "mayor", "org_unit_id": "root", "scope": "*"},
        {"role": "namnd", "scope": ["board-1"]},
        {"role": "namnd", "org_unit_id": "board-1", "scope": 7},
        {"role": "namnd", "org_unit_id": "board-1", "scope": "board-1"},
        {"role": "namnd", "org_unit_id": "board-1", "scope": [1, 2]},
        {"role": "namnd", "org_unit_id": "board-1", "scope": None},
    ],
)
def test_assertion_with_a_malformed_assignment_is_refused(private_pem, verifier, assignment):
    with pytest.raises(InvalidAssertion, match="not valid"):
        verifier.verify(raw_token(private_pem, valid_claims(assignments=[assignment])))


# --- keys ---------------------------------------------------------------------------------


def test_both_keys_of_a_rotation_bundle_are_accepted():
    old, new = generate_private_key_pem(), generate_private_key_pem()
    bundle = public_key_pem(old) + public_key_pem(new)
    assert len(split_pem_bundle(bundle)) == 2
    verifier = AssertionVerifier(bundle, ISSUER, AUDIENCE)
    for private in (old, new):
        token, _ = AssertionSigner(private, ISSUER).sign(council_and_board(), AUDIENCE)
        assert verifier.verify(token).user_id == "u-1"


def test_key_removed_after_rotation_is_refused():
    old, new = generate_private_key_pem(), generate_private_key_pem()
    verifier = AssertionVerifier(public_key_pem(new), ISSUER, AUDIENCE)
    token, _ = AssertionSigner(old, ISSUER).sign(council_and_board(), AUDIENCE)
    with pytest.raises(InvalidAssertion, match="unknown key"):
        verifier.verify(token)


def test_verifier_without_a_key_cannot_be_built():
    with pytest.raises(ValueError, match="no assertion public key"):
        AssertionVerifier("", ISSUER, AUDIENCE)


def test_non_ed25519_keys_are_refused():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    public = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(ValueError, match="Ed25519"):
        AssertionSigner(private, ISSUER)
    with pytest.raises(ValueError, match="Ed25519"):
        AssertionVerifier(public, ISSUER, AUDIENCE)


# --- cache --------------------------------------------------------------------------------


def test_cached_assertion_is_refused_once_it_has_expired(private_pem, verifier):
    signer = AssertionSigner(private_pem, ISSUER, ttl_seconds=1)
    token, expires = signer.sign(council_and_board(), AUDIENCE)
    if expires - time.time() < 0.3:  # too close to the second boundary to verify it in time
        time.sleep(expires - time.time() + 0.01)
        token, expires = signer.sign(council_and_board(), AUDIENCE)
    assert verifier.verify(token).user_id == "u-1"
    assert verifier.verify(token).user_id == "u-1"  # now from the cache
    time.sleep(max(0.0, expires - time.time()) + 0.02)
    with pytest.raises(InvalidAssertion, match="expired"):
        verifier.verify(token)


def test_cache_answers_without_verifying_again_until_expiry(signer, verifier, monkeypatch):
    token, expires = signer.sign(council_and_board(), AUDIENCE)
    first = verifier.verify(token)

    def must_not_decode(*_args, **_kwargs):
        raise AssertionError("a cached assertion was decoded again")

    monkeypatch.setattr(identity.jwt, "decode", must_not_decode)
    assert verifier.verify(token) is first
    # Past the expiry the cache must not answer: the token is decoded (and here refused) again.
    monkeypatch.setattr(identity, "time", SimpleNamespace(time=lambda: expires + 1))
    with pytest.raises(AssertionError, match="decoded again"):
        verifier.verify(token)


def test_cache_stays_bounded(private_pem):
    verifier = AssertionVerifier(public_key_pem(private_pem), ISSUER, AUDIENCE, cache_size=2)
    signer = AssertionSigner(private_pem, ISSUER)
    tokens = [signer.sign(Principal(f"u-{i}", "", ()), AUDIENCE)[0] for i in range(4)]
    assert [verifier.verify(t).user_id for t in tokens] == ["u-0", "u-1", "u-2", "u-3"]
    assert len(verifier._cache) == 2
    assert verifier.verify(tokens[0]).user_id == "u-0"


# --- scope semantics ----------------------------------------------------------------------


def test_whole_municipality_assignment_covers_every_unit():
    caller = council_and_board()
    assert caller.can_act_on("anything", (Role.FULLMAKTIGE,))
    assert caller.scope_of((Role.FULLMAKTIGE,)) is None


def test_subtree_assignment_covers_only_its_units():
    caller = council_and_board()
    assert caller.can_act_on("unit-1", (Role.NAMND,))
    assert not caller.can_act_on("board-2", (Role.NAMND,))
    assert caller.scope_of((Role.NAMND,)) == frozenset({"board-1", "adm-1", "unit-1"})


def test_scope_counts_only_the_roles_asked_for():
    caller = council_and_board()
    assert not caller.can_act_on("unit-1", (Role.FORVALTNING, Role.ENHET))
    assert caller.scope_of((Role.REVISOR,)) == frozenset()


def test_whole_municipality_wins_in_a_union_of_scopes():
    assert council_and_board().scope_of((Role.NAMND, Role.FULLMAKTIGE)) is None


def test_scopes_of_several_assignments_are_united():
    caller = Principal(
        "u-3",
        "Cecilia",
        (
            Assignment(Role.FORVALTNING, "adm-1", frozenset({"adm-1", "unit-1"})),
            Assignment(Role.FORVALTNING, "adm-2", frozenset({"adm-2"})),
        ),
    )
    assert caller.scope_of((Role.FORVALTNING,)) == frozenset({"adm-1", "unit-1", "adm-2"})
    assert caller.can_act_on("adm-2", frozenset({Role.FORVALTNING}))
    assert caller.roles == frozenset({Role.FORVALTNING})


def test_principal_without_assignments_has_no_role_and_no_scope():
    nobody = Principal("u-4", "", ())
    assert not nobody.has_any_role(set(Role))
    assert not nobody.can_act_on("root", tuple(Role))
    assert nobody.scope_of(tuple(Role)) == frozenset()


def test_claims_round_trip_to_the_same_principal():
    caller = council_and_board()
    assert Principal.from_claims(caller.to_claims()) == caller
