//! The JWT attack matrix against the one check every service runs.

use std::collections::HashSet;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::keys::{self, Jwk, JwkSet};
use super::*;

const GW: Policy<'static> = Policy {
    issuer: "bitcraps",
    audience: "gateway",
};

struct World {
    issuer: ed25519_dalek::SigningKey,
    engine: ed25519_dalek::SigningKey,
    validator: ed25519_dalek::SigningKey,
    set: JwkSet,
}

fn world() -> World {
    let issuer = keys::generate();
    let engine = keys::generate();
    let validator = keys::generate();
    let set = JwkSet {
        keys: vec![
            Jwk::ed25519(&issuer.verifying_key(), &keys::ISSUER_ROLES, None),
            Jwk::ed25519(&engine.verifying_key(), &[Role::Engine], Some("engine-0")),
            Jwk::ed25519(
                &validator.verifying_key(),
                &[Role::Validator],
                Some("validator-1"),
            ),
        ],
    };
    World {
        issuer,
        engine,
        validator,
        set,
    }
}

fn claims(sub: &str, role: Role, now: u64) -> Claims {
    new_claims("bitcraps", &AUDIENCES, sub, role, now, 600)
}

fn signed(key: &ed25519_dalek::SigningKey, c: &Claims) -> String {
    sign(&SignKey::ed25519(key), c).unwrap()
}

fn check(w: &World, token: &str, now: u64) -> Result<Claims, AuthError> {
    let keys = Keys::from_set(&w.set).unwrap();
    verify(token, &keys, &HashSet::new(), GW, now)
}

fn b64(v: &serde_json::Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[test]
fn a_good_token_is_accepted() {
    let (w, now) = (world(), now_secs());
    let c = claims("alice", Role::Player, now);
    assert_eq!(check(&w, &signed(&w.issuer, &c), now).unwrap(), c);
}

#[test]
fn alg_none_is_refused() {
    let (w, now) = (world(), now_secs());
    let kid = keys::kid_of(&w.issuer.verifying_key());
    let c = claims("alice", Role::Admin, now);
    let header = serde_json::json!({"alg": "none", "typ": "JWT", "kid": kid});
    let t = format!(
        "{}.{}.",
        b64(&header),
        b64(&serde_json::to_value(&c).unwrap())
    );
    assert!(check(&w, &t, now).is_err());
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    let (w, now) = (world(), now_secs());
    let public = w.issuer.verifying_key();
    let c = claims("alice", Role::Admin, now);
    for secret in [
        public.as_bytes().to_vec(),
        keys::Jwk::ed25519(&public, &[Role::Admin], None)
            .x
            .into_bytes(),
        serde_json::to_vec(&w.set).unwrap(),
    ] {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some(keys::kid_of(&public));
        let t = jsonwebtoken::encode(&h, &c, &EncodingKey::from_secret(&secret)).unwrap();
        let e = check(&w, &t, now).unwrap_err();
        assert!(e.to_string().contains("not accepted"), "{e}");
    }
}

#[test]
fn a_key_outside_the_set_is_refused() {
    let (w, now) = (world(), now_secs());
    let stranger = keys::generate();
    let t = signed(&stranger, &claims("alice", Role::Player, now));
    assert!(check(&w, &t, now).is_err());
    // Claiming the issuer's kid does not help: the signature is checked
    // with the issuer's public key.
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some(keys::kid_of(&w.issuer.verifying_key()));
    let t = jsonwebtoken::encode(
        &h,
        &claims("alice", Role::Player, now),
        &EncodingKey::from_ed_der(&keys::pkcs8_der(&stranger)),
    )
    .unwrap();
    assert!(check(&w, &t, now).is_err());
    // No kid at all.
    let h = Header::new(Algorithm::EdDSA);
    let t = jsonwebtoken::encode(
        &h,
        &claims("alice", Role::Player, now),
        &EncodingKey::from_ed_der(&keys::pkcs8_der(&w.issuer)),
    )
    .unwrap();
    assert!(check(&w, &t, now).unwrap_err().to_string().contains("kid"));
}

#[test]
fn wrong_issuer_and_wrong_audience_are_refused() {
    let (w, now) = (world(), now_secs());
    let mut c = claims("alice", Role::Player, now);
    c.iss = "someone-else".into();
    assert!(check(&w, &signed(&w.issuer, &c), now).is_err());
    let mut c = claims("alice", Role::Player, now);
    c.aud = vec!["engine".into(), "wallet".into()];
    let t = signed(&w.issuer, &c);
    assert!(check(&w, &t, now).is_err());
    // The same token is good where it was meant to go.
    let keys = Keys::from_set(&w.set).unwrap();
    let engine = Policy {
        issuer: "bitcraps",
        audience: "engine",
    };
    assert!(verify(&t, &keys, &HashSet::new(), engine, now).is_ok());
}

#[test]
fn expired_and_not_yet_valid_tokens_are_refused() {
    let (w, now) = (world(), now_secs());
    let mut c = claims("alice", Role::Player, now);
    c.exp = now - 1;
    assert!(check(&w, &signed(&w.issuer, &c), now).is_err());
    // Expired by the caller's clock, with no leeway.
    let c = claims("alice", Role::Player, now);
    assert!(check(&w, &signed(&w.issuer, &c), c.exp + 1).is_err());
    let mut c = claims("alice", Role::Player, now);
    c.nbf = Some(now + 300);
    assert!(check(&w, &signed(&w.issuer, &c), now).is_err());
}

#[test]
fn missing_exp_or_jti_is_refused() {
    let (w, now) = (world(), now_secs());
    let kid = keys::kid_of(&w.issuer.verifying_key());
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some(kid);
    let der = EncodingKey::from_ed_der(&keys::pkcs8_der(&w.issuer));
    let mut v = serde_json::to_value(claims("alice", Role::Player, now)).unwrap();
    v.as_object_mut().unwrap().remove("exp");
    let t = jsonwebtoken::encode(&h, &v, &der).unwrap();
    assert!(check(&w, &t, now).is_err());
    let mut v = serde_json::to_value(claims("alice", Role::Player, now)).unwrap();
    v.as_object_mut().unwrap().remove("jti");
    let t = jsonwebtoken::encode(&h, &v, &der).unwrap();
    assert!(check(&w, &t, now).is_err());
    let mut c = claims("alice", Role::Player, now);
    c.jti = String::new();
    assert!(check(&w, &signed(&w.issuer, &c), now).is_err());
}

#[test]
fn tampered_claims_are_refused() {
    let (w, now) = (world(), now_secs());
    let t = signed(&w.issuer, &claims("alice", Role::Player, now));
    let admin = b64(&serde_json::to_value(claims("alice", Role::Admin, now)).unwrap());
    let parts: Vec<&str> = t.split('.').collect();
    let forged = format!("{}.{admin}.{}", parts[0], parts[2]);
    assert!(check(&w, &forged, now).is_err());
}

#[test]
fn a_revoked_jti_is_refused() {
    let (w, now) = (world(), now_secs());
    let c = claims("alice", Role::Player, now);
    let t = signed(&w.issuer, &c);
    let keys = Keys::from_set(&w.set).unwrap();
    let revoked: HashSet<String> = [c.jti.clone()].into_iter().collect();
    let e = verify(&t, &keys, &revoked, GW, now).unwrap_err();
    assert!(e.to_string().contains("revoked"), "{e}");
}

#[test]
fn service_keys_sign_only_their_own_role_and_subject() {
    let (w, now) = (world(), now_secs());
    let ok = signed(&w.engine, &claims("engine-0", Role::Engine, now));
    assert!(check(&w, &ok, now).is_ok());
    for (key, sub, role) in [
        (&w.engine, "engine-0", Role::Admin),
        (&w.engine, "engine-0", Role::Cashier),
        (&w.engine, "alice", Role::Player),
        (&w.engine, "engine-1", Role::Engine),
        (&w.engine, "wallet", Role::Wallet),
        (&w.validator, "validator-1", Role::Admin),
        (&w.validator, "alice", Role::Player),
        (&w.validator, "validator-1", Role::Cashier),
        (&w.validator, "engine-0", Role::Engine),
        (&w.validator, "validator-2", Role::Validator),
    ] {
        let t = signed(key, &claims(sub, role, now));
        assert!(check(&w, &t, now).is_err(), "{sub} as {role} was accepted");
    }
}

#[test]
fn a_rotated_set_accepts_old_and_new_until_the_old_is_retired() {
    let dir = tempfile::tempdir().unwrap();
    let jwks = keys::default_jwks_path(dir.path());
    let old = keys::ensure_issuer(dir.path(), &jwks).unwrap();
    let now = now_secs();
    let old_token = signed(&old, &claims("alice", Role::Player, now));
    let verifier = Verifier::load(VerifierConfig {
        mode: Mode::EdDsa {
            jwks_file: jwks.clone(),
        },
        issuer: "bitcraps".into(),
        audience: "gateway".into(),
        revoked_file: keys::revoked_path(&jwks),
    })
    .unwrap();
    assert!(verifier.verify_at(&old_token, now).is_ok());
    let new_kid = keys::add_issuer(dir.path(), &jwks).unwrap();
    let new = keys::current_issuer(dir.path(), &jwks).unwrap().unwrap();
    assert_eq!(keys::kid_of(&new.verifying_key()), new_kid);
    let new_token = signed(&new, &claims("bob", Role::Player, now));
    assert!(
        verifier.verify_at(&new_token, now).is_err(),
        "not reloaded yet"
    );
    let change = verifier.reload_if_changed().unwrap().unwrap();
    assert!(change.contains(&new_kid), "{change}");
    assert!(verifier.verify_at(&old_token, now).is_ok());
    assert!(verifier.verify_at(&new_token, now).is_ok());
    // Retiring the old key ends its tokens, cached or not.
    let old_kid = keys::kid_of(&old.verifying_key());
    assert!(keys::retire(dir.path(), &jwks, &old_kid).unwrap());
    let change = verifier.reload_if_changed().unwrap().unwrap();
    assert!(change.contains(&old_kid), "{change}");
    assert!(verifier.verify_at(&old_token, now).is_err());
    assert!(verifier.verify_at(&new_token, now).is_ok());
    // A revocation reaches a cached token too.
    let jti = verifier.verify_at(&new_token, now).unwrap().jti;
    keys::save_revoked(&keys::revoked_path(&jwks), &[jti]).unwrap();
    assert!(verifier.reload_if_changed().unwrap().is_some());
    assert!(verifier.verify_at(&new_token, now).is_err());
}

#[test]
fn a_retired_service_key_does_not_come_back_on_the_next_up() {
    let dir = tempfile::tempdir().unwrap();
    let jwks = keys::default_jwks_path(dir.path());
    keys::ensure_issuer(dir.path(), &jwks).unwrap();
    let path = keys::service_key_path(dir.path(), "engine-0");
    let leaked =
        keys::ensure_service_key(dir.path(), &path, &jwks, "engine-0", Role::Engine).unwrap();
    let leaked_kid = keys::kid_of(&leaked.verifying_key());
    assert!(keys::retire(dir.path(), &jwks, &leaked_kid).unwrap());
    assert!(!path.exists(), "the retired key's file is gone");
    // What `up` does next: the engine gets a new key, the old stays out.
    let fresh =
        keys::ensure_service_key(dir.path(), &path, &jwks, "engine-0", Role::Engine).unwrap();
    let kids = keys::load_set(&jwks).unwrap().kids();
    assert!(!kids.contains(&leaked_kid), "{kids:?}");
    assert!(kids.contains(&keys::kid_of(&fresh.verifying_key())));
}

#[test]
fn concurrent_revokes_and_rotations_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let jwks = keys::default_jwks_path(dir.path());
    keys::ensure_issuer(dir.path(), &jwks).unwrap();
    let revoked = keys::revoked_path(&jwks);
    std::thread::scope(|s| {
        for t in 0..6 {
            let (revoked, jwks, dir) = (&revoked, &jwks, dir.path());
            s.spawn(move || {
                for i in 0..15 {
                    assert!(keys::revoke(dir, revoked, &format!("jti-{t}-{i}")).unwrap());
                }
                keys::add_issuer(dir, jwks).unwrap();
            });
        }
    });
    assert_eq!(keys::load_revoked(&revoked).unwrap().len(), 90);
    let set = keys::load_set(&jwks).unwrap();
    assert_eq!(set.keys.iter().filter(|k| k.is_issuer()).count(), 7);
    assert!(
        !keys::revoke(dir.path(), &revoked, "jti-0-0").unwrap(),
        "already there"
    );
}

#[test]
fn private_keys_move_out_of_the_public_auth_directory() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path();
    let jwks = keys::default_jwks_path(state);
    // The layout of earlier versions: private keys under auth/.
    let key = keys::generate();
    let kid = keys::kid_of(&key.verifying_key());
    keys::write_private(&state.join(format!("auth/issuer/{kid}.key")), &key).unwrap();
    let mut set = keys::load_set(&jwks).unwrap_or_default();
    set.upsert(keys::Jwk::ed25519(
        &key.verifying_key(),
        &keys::ISSUER_ROLES,
        None,
    ));
    keys::save_set(&jwks, &set).unwrap();
    let engine = keys::generate();
    keys::write_private(&state.join("auth/services/engine-0.key"), &engine).unwrap();
    // The first command that needs the issuer key moves them.
    let current = keys::current_issuer(state, &jwks).unwrap().unwrap();
    assert_eq!(current.to_bytes(), key.to_bytes());
    assert!(!state.join("auth/issuer").exists());
    assert!(!state.join("auth/services").exists());
    assert!(keys::issuer_dir(state).join(format!("{kid}.key")).exists());
    let moved = keys::read_private(&keys::service_key_path(state, "engine-0")).unwrap();
    assert_eq!(moved.to_bytes(), engine.to_bytes());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(keys::issuer_dir(state))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
    // Again: nothing to do.
    keys::migrate_layout(state).unwrap();
    // A copy left at both places that differs is refused, not overwritten.
    let other = keys::generate();
    keys::write_private(&state.join("auth/services/engine-0.key"), &other).unwrap();
    let err = keys::migrate_layout(state).unwrap_err();
    assert!(err.to_string().contains("differ"), "{err}");
    let kept = keys::read_private(&keys::service_key_path(state, "engine-0")).unwrap();
    assert_eq!(kept.to_bytes(), engine.to_bytes());
}

#[test]
fn service_tokens_are_reused_until_a_minute_before_expiry() {
    let key = keys::generate();
    let s = ServiceToken::new(
        SignKey::ed25519(&key),
        "bitcraps",
        &["consensus"],
        "engine-0",
        Role::Engine,
    );
    let now = now_secs();
    let a = s.token_at(now).unwrap();
    assert_eq!(s.token_at(now + 200).unwrap(), a);
    assert_ne!(s.token_at(now + 250).unwrap(), a);
}

#[test]
fn cached_tokens_answer_as_verify_does_until_they_expire() {
    let (w, now) = (world(), now_secs());
    let keys = Keys::from_set(&w.set).unwrap();
    let cache = TokenCache::new(16);
    let c = claims("alice", Role::Player, now);
    let t = signed(&w.issuer, &c);
    let check = |t: &str| verify(t, &keys, &HashSet::new(), GW, now);
    assert_eq!(cache.verify(&t, 0, now, check).unwrap(), c);
    assert_eq!(cache.len(), 1);
    // A hit under the same generation is not checked again.
    let never = |_: &str| Err(AuthError::Invalid("checked".into()));
    assert_eq!(cache.verify(&t, 0, now + 600, never).unwrap(), c);
    // Another generation is checked again.
    assert!(cache.verify(&t, 1, now, never).is_err());
    // Past `exp` it is dropped and refused.
    assert!(cache.verify(&t, 0, c.exp + 1, check).is_err());
    assert!(cache.is_empty());
    // Failures are never cached.
    let bad = format!("{t}x");
    assert!(cache.verify(&bad, 0, now, check).is_err());
    assert!(cache.is_empty());
}

#[test]
fn the_cache_stays_bounded() {
    let now = now_secs();
    let cache = TokenCache::new(16);
    for i in 0..200 {
        let c = claims(&format!("p{i}"), Role::Player, now);
        let got = cache.verify(&format!("t{i}"), 0, now, |_| Ok(c.clone()));
        assert_eq!(got.unwrap().sub, format!("p{i}"));
        assert!(cache.len() <= 16, "{}", cache.len());
    }
}

#[test]
fn hs256_opt_in_checks_the_same_claims() {
    let secret = b"0123456789abcdef0123456789abcdef";
    let now = now_secs();
    let keys = Keys::hs256(secret);
    let c = claims("alice", Role::Player, now);
    let t = sign(&SignKey::hs256(secret), &c).unwrap();
    assert_eq!(verify(&t, &keys, &HashSet::new(), GW, now).unwrap(), c);
    let other = sign(&SignKey::hs256(b"another-secret-another-secret-00"), &c).unwrap();
    assert!(verify(&other, &keys, &HashSet::new(), GW, now).is_err());
    let w = world();
    let ed = signed(&w.issuer, &c);
    assert!(verify(&ed, &keys, &HashSet::new(), GW, now).is_err());
}

#[test]
fn a_changed_hs256_secret_file_is_reported_not_silently_kept() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jwt_secret");
    let secret = "0123456789abcdef0123456789abcdef";
    std::fs::write(&file, secret).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let verifier = Verifier::load(VerifierConfig {
        mode: Mode::Hs256 {
            secret: secret.as_bytes().to_vec(),
            file: Some(file.clone()),
        },
        issuer: "bitcraps".into(),
        audience: "gateway".into(),
        revoked_file: dir.path().join("revoked.json"),
    })
    .unwrap();
    let now = now_secs();
    let t = sign(
        &SignKey::hs256(secret.as_bytes()),
        &claims("alice", Role::Player, now),
    )
    .unwrap();
    assert!(verifier.verify_at(&t, now).is_ok());
    // The same secret rewritten: nothing to say.
    std::fs::write(&file, format!("{secret}\n")).unwrap();
    assert!(verifier.reload_if_changed().is_ok());
    assert!(verifier.verify_at(&t, now).is_ok());
    // A new secret: said, and the running secret stays (all services
    // must restart together, or their calls would fail half-way).
    std::fs::write(&file, "another-secret-another-secret-00").unwrap();
    let err = verifier.reload_if_changed().unwrap_err();
    assert!(err.to_string().contains("restart"), "{err}");
    assert!(verifier.verify_at(&t, now).is_ok());
}

#[test]
fn bearer_parsing() {
    assert_eq!(bearer(Some("Bearer abc")).unwrap(), "abc");
    assert_eq!(bearer(Some("bearer  abc ")).unwrap(), "abc");
    assert_eq!(bearer(None), Err(AuthError::Missing));
    assert_eq!(bearer(Some("Basic abc")), Err(AuthError::Missing));
    assert_eq!(bearer(Some("Bearer ")), Err(AuthError::Missing));
}
