#pragma once
// Deterministic applicant fixtures for benchmarks: realistic names from many scripts, dates of
// birth, document sets that satisfy the shipped policies.

#include <cstdint>
#include <string>

#include "base/rng.h"
#include "core/applicant.h"

namespace cityid::bench {

// The i-th synthetic applicant (same i, same applicant). Dates are valid on `today`.
core::ApplicantInput MakeApplicant(uint64_t i, const Date& today);

}  // namespace cityid::bench
