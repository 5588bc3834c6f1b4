// libFuzzer target: Policy::Parse on arbitrary bytes must never crash, leak or throw. When the
// bytes happen to form a valid policy, the evaluation paths run too (every catalogue type
// presented, with and without dates), since they walk what the parser accepted.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cityid::Date;
  using cityid::policy::Policy;
  using cityid::policy::PresentedDocument;

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = Policy::Parse(text, "fuzz.toml");
  if (!policy.ok()) return 0;

  const Date today{2025, 3, 1};
  std::vector<PresentedDocument> docs;
  for (const auto& type : policy->documents()) {
    docs.push_back({type.id, Date{2025, 1, 1}, Date{2026, 1, 1}, true});
    docs.push_back({type.id, std::nullopt, Date{2020, 1, 1}, false});
  }
  docs.push_back({"not_in_catalogue", std::nullopt, std::nullopt, false});
  for (const auto& doc : docs) (void)policy->CheckDocument(doc, today);
  (void)policy->Evaluate(docs, today).ToJson();
  (void)policy->Evaluate({}, today).Explain();
  (void)policy->Evaluate(std::span(docs).subspan(0, docs.size() / 2), today).Explain();
  (void)policy->CheckAge(Date{2011, 3, 2}, today);
  (void)policy->ToJson();
  return 0;
}
