#pragma once
// Internal: the checks every workflow module makes at its edge (roles, free text). One place,
// so that a role refusal or a text rule reads the same from the CLI, the API and every module.

#include <cstddef>
#include <initializer_list>
#include <string_view>

#include "base/status.h"
#include "core/types.h"

namespace cityid::core {

// Ok if `actor` has one of `roles`; otherwise kPermissionDenied naming the actor's role.
Status RequireRole(const Actor& actor, std::initializer_list<Role> roles);

// Free text as base/names.h's CheckText defines it (bounded, valid UTF-8, no control
// characters or bidirectional overrides); `required` refuses blank text (spaces and tabs only).
// Messages name the field, never its value. Person names follow names::NormalizeName instead.
Status CheckText(std::string_view field, std::string_view text, size_t max, bool required);

}  // namespace cityid::core
