#pragma once
// COSE_Sign1 (RFC 9052 §4.2) with EdDSA/Ed25519, the envelope of the card payload.
//
// Layout produced (CBOR diagnostic notation):
//   18([ h'A2 01 27 04 48 <kid>',   / protected: {1: -8 (EdDSA), 4: h'<8-byte kid>'} /
//        {},                        / unprotected: empty /
//        h'<payload>',              / the CWT claims map /
//        h'<64-byte signature>' ])
// The signature is Ed25519 over Sig_structure = ["Signature1", protected, h'', payload]
// (RFC 9052 §4.4), serialized with preferred (shortest) encoding.

#include <cstdint>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/sign.h"

namespace cityid::credential {

inline constexpr uint64_t kCoseSign1Tag = 18;  // RFC 9052 §2
inline constexpr uint64_t kCwtTag = 61;        // RFC 8392 §6
inline constexpr int64_t kCoseHeaderAlg = 1;
inline constexpr int64_t kCoseHeaderCrit = 2;
inline constexpr int64_t kCoseHeaderKid = 4;
inline constexpr int64_t kCoseAlgEdDSA = -8;  // RFC 9053 §2.2

// A COSE_Sign1 whose structure has been checked but whose signature has NOT been verified.
struct CoseSign1 {
  Bytes protected_header;  // the protected bucket exactly as received (a serialized map)
  Bytes key_id;            // `kid` from the protected header
  Bytes payload;
  Bytes signature;  // 64 bytes
};

// Returns the tagged COSE_Sign1 bytes of `payload`, signed by `signer` with its key id in the
// protected header. `unprotected` is the encoded unprotected header map (empty: the empty map).
// Fails only if the signer fails (its Status is passed through). Thread-safe if `signer` is.
Result<Bytes> SignCoseSign1(ByteView payload, const crypto::Signer& signer,
                            ByteView unprotected = {});

// Returns the Sig_structure bytes that are signed (RFC 9052 §4.4, external_aad empty).
Result<Bytes> CoseSigStructure(ByteView protected_header, ByteView payload);

// Parses untrusted bytes as a COSE_Sign1, strictly:
//   - strict CBOR (see cbor_util.h), tag 18 required (an outer CWT tag 61 is tolerated);
//   - an array of exactly 4: bstr, map, bstr (not nil: detached payloads are refused), bstr;
//   - protected header: strict CBOR map with alg (1) = -8 and kid (4) = 8-byte bstr, nothing
//     else (in particular no `crit`);
//   - unprotected header: must not carry alg, crit or kid (a kid there is unauthenticated);
//   - signature: 64 bytes.
// Fails with kBadCbor for malformed CBOR, kBadCose for a well-formed but wrong structure.
// Interprets nothing in the payload. Thread-safe.
Result<CoseSign1> ParseCoseSign1(ByteView data);

// Looks up `cose.key_id` in `keys` and verifies the Ed25519 signature over the Sig_structure.
// Returns the matching key (pointing into `keys`). Fails with kUnknownKey if no key has that
// id, kBadSignature if the signature does not verify. Thread-safe.
Result<const crypto::PublicKey*> VerifyCoseSign1(const CoseSign1& cose,
                                                 const crypto::PublicKeySet& keys);

}  // namespace cityid::credential
