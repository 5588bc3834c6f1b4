#include "render/card_face.h"

#include <optional>

#include "core/ids.h"
#include "credential/card.h"

namespace cityid::render {

std::vector<std::string> IfFoundLines(const policy::Policy& policy) {
  std::vector<std::string> lines;
  for (const auto& lang : policy.languages()) {
    if (lang == "en") {
      lines.push_back("If found, please return this card to any " + policy.city_name() +
                      " ID office.");
    } else if (lang == "es") {
      lines.push_back("Si encuentra esta tarjeta, devuélvala a cualquier oficina de " +
                      policy.city_name() + ".");
    } else if (lang == "zh") {
      lines.push_back("如拾获此卡，请交还" + policy.city_name() + "任何身份证办事处。");
    }
  }
  lines.push_back("Scan the QR code to verify this card offline.");
  return lines;
}

Result<CardFace> BuildCardFace(core::Context& ctx, std::string_view card_number,
                               const core::Actor& actor, std::string_view reason,
                               std::string* number_out) {
  CITYID_ASSIGN_OR_RETURN(std::string number, core::ParseCardNumber(std::string(card_number)));
  if (number_out) *number_out = number;
  std::optional<store::CardRow> row;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(row, tx.GetCard(number));
    return Status::Ok();
  }));
  if (!row) return Error(ErrorId::kCardNotFound, "no card with that number");
  // Both calls check the role and log the access with the reason.
  CITYID_ASSIGN_OR_RETURN(std::string qr, core::CardPayload(ctx, number, actor, reason));
  CITYID_ASSIGN_OR_RETURN(core::PersonRecord person,
                          core::ReadPerson(ctx, row->person_id, actor, reason));
  // The names printed are the names signed: read them back from the payload just made.
  const auto keys = ctx.keys.PublicKeys(ctx.policy.issuer());
  const auto outcome = credential::VerifyCard(qr, keys, row->issued_at, nullptr);
  if (!outcome.claims) {
    return Error(ErrorId::kInternal,
                 "the card payload just signed does not verify: " + outcome.failure.message());
  }
  const credential::CardClaims& c = *outcome.claims;
  const policy::Policy& policy = ctx.policy;
  CardFace f;
  f.city_name = policy.city_name();
  f.card_number = core::FormatCardNumber(number);
  f.latin_name = c.full_name;
  f.native_name = c.full_name_native;
  f.date_of_birth = person.date_of_birth.ToString();
  f.issued = Date::FromUnix(row->issued_at).ToString();
  f.expires = Date::FromUnix(row->expires_at).ToString();
  if (policy.Prints("gender")) f.gender = person.gender;
  if (policy.Prints("preferred_name")) f.preferred_name = person.preferred_name;
  f.veteran = policy.Prints("veteran") && person.veteran;
  if (policy.Prints("address") && person.address) {
    const core::Address& a = *person.address;
    if (!a.line1.empty()) f.address_lines.push_back(a.line1);
    if (!a.line2.empty()) f.address_lines.push_back(a.line2);
    std::string city = a.city;
    if (!a.state.empty()) city += (city.empty() ? "" : ", ") + a.state;
    if (!a.postal_code.empty()) city += (city.empty() ? "" : " ") + a.postal_code;
    if (!city.empty()) f.address_lines.push_back(city);
  }
  f.photo = person.photo;
  f.qr_payload = qr;
  f.if_found_lines = IfFoundLines(policy);
  return f;
}

}  // namespace cityid::render
