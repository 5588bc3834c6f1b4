// cityid enroll --data DIR --applicant FILE
// cityid enroll --data DIR --batch FILE.jsonl   (bulk import: one applicant JSON per line)
#include <sodium.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>

#include "base/file.h"
#include "cli/common.h"
#include "core/enroll_answer.h"

namespace cityid::cli {
namespace {

struct EnrollOptions {
  std::string data = "data";
  std::string applicant;
  std::string batch;
  std::string site;
};

// A batch's identity: BLAKE2b-256 of the file's bytes and the --site override, so the same
// import run again resumes it and any other file (or an edited one) starts afresh.
Result<std::string> BatchId(const std::string& path, const std::string& site) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error(ErrorId::kInvalidArgument, "--batch: cannot open '" + path + "'");
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  std::vector<char> buf(1 << 16);
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize n = f.gcount();
    if (n > 0) {
      crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(buf.data()),
                                static_cast<unsigned long long>(n));
    }
  }
  if (f.bad()) return Error(ErrorId::kIo, "--batch: cannot read '" + path + "'");
  const std::string tail = std::string(1, '\0') + "site=" + site;
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(tail.data()), tail.size());
  uint8_t hash[32];
  crypto_generichash_final(&st, hash, sizeof hash);
  return "batch." + HexEncode(ByteView(hash, sizeof hash));
}

// Test hook for resumption (tests/e2e/durability_e2e_test.cc): CITYID_TEST_BATCH_CRASH=K ends
// the process (_exit, as a power cut would: no commit, no clean-up) inside the transaction of
// the K-th enrollment committed, before it commits; "K+" just after it committed. Unset in
// production: no effect.
struct CrashHook {
  size_t at = 0;  // 0: none
  bool after_commit = false;
  static CrashHook FromEnv() {
    CrashHook h;
    const char* v = std::getenv("CITYID_TEST_BATCH_CRASH");
    if (v == nullptr || *v == '\0') return h;
    std::string text(v);
    if (text.back() == '+') {
      h.after_commit = true;
      text.pop_back();
    }
    h.at = static_cast<size_t>(std::strtoull(text.c_str(), nullptr, 10));
    return h;
  }
};

// Bulk import (a partner site's offline queue, a migration): every line of a JSON Lines file is
// one applicant, enrolled exactly as `--applicant` would, each in its own transaction, pipelined
// (core::EnrollMany). A bad line is reported and skipped; the others go on. Idempotent: each
// enrollment's transaction also records the batch's last committed line (store fact
// "batch.<hash>"), so running the same file again, after a crash at any point, skips exactly
// the lines already committed.
int EnrollBatch(const GlobalOptions& g, const EnrollOptions& o) {
  Output out(g);
  store::SqliteOptions bulk;
  bulk.bulk_import = true;
  auto dir = DataDir::Open(o.data, g, DataDir::DataKeys::kNeeded, bulk);
  if (!dir.ok()) return out.Fail(dir.status());
  auto batch_id = BatchId(o.batch, o.site);
  if (!batch_id.ok()) return out.Fail(batch_id.status());
  size_t resume_after = 0;  // lines 1..resume_after were committed by an earlier run
  Status read = (*dir)->store().Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto done, tx.GetFact(*batch_id));
    if (done) resume_after = static_cast<size_t>(std::strtoull(done->c_str(), nullptr, 10));
    return Status::Ok();
  });
  if (!read.ok()) return out.Fail(read);
  std::ifstream file(o.batch, std::ios::binary);
  if (!file) {
    return out.Fail(Error(ErrorId::kInvalidArgument, "--batch: cannot open '" + o.batch + "'"));
  }
  if (resume_after > 0) {
    std::cerr << "resuming: lines 1-" << resume_after
              << " of this file were processed by an earlier run and are skipped (each was "
                 "enrolled, or failed and was listed by that run: import corrected lines as a "
                 "new file)\n";
  }
  const std::string parent = std::filesystem::path(o.batch).parent_path().string();
  const std::string base = parent.empty() ? "." : parent;
  const Date today = Date::FromUnix((*dir)->clock().Now());
  auto actor = MakeActor(g, core::Role::kClerk);
  const CrashHook crash = CrashHook::FromEnv();

  // input index -> line number (blank lines are not inputs). `next` appends on EnrollMany's
  // preparing thread while this thread reads: the lock keeps the vector consistent (a push_back
  // may reallocate it under a reader).
  std::mutex line_mu;
  std::vector<size_t> line_of;
  auto line_at = [&](size_t i) {
    std::lock_guard lock(line_mu);
    return line_of[i];
  };
  size_t line_no = 0;
  auto next = [&]() -> std::optional<Result<core::ApplicantInput>> {
    std::string line;
    while (std::getline(file, line)) {
      ++line_no;
      if (line_no <= resume_after) continue;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      {
        std::lock_guard lock(line_mu);
        line_of.push_back(line_no);
      }
      if (line.size() > core::kMaxApplicantFileBytes) {
        return Result<core::ApplicantInput>(
            Error(ErrorId::kResourceExhausted, "applicant is larger than 64 KiB"));
      }
      auto input = core::ParseApplicantJson(line, base, today);
      if (input.ok() && !o.site.empty()) input->site = o.site;
      return input;
    }
    return std::nullopt;
  };
  size_t enrolled = 0, flagged = 0, failed = 0, committed = 0;
  std::optional<Status> first_failure;
  nlohmann::ordered_json failures = nlohmann::ordered_json::array();
  std::string human;
  // Runs in each enrollment's own transaction: the batch's progress commits with it.
  auto in_commit = [&](store::Tx& tx, size_t i) -> Status {
    CITYID_RETURN_IF_ERROR(
        tx.PutFact(*batch_id, std::to_string(line_at(i)), (*dir)->clock().Now()));
    if (crash.at > 0 && !crash.after_commit && committed + 1 == crash.at) ::_exit(86);
    return Status::Ok();
  };
  core::EnrollMany(
      (*dir)->ctx(), next, actor,
      [&](size_t i, Result<core::EnrollResult> r) {
        // line_of[i] was recorded by `next` before input i was prepared, so it is there.
        const size_t line = line_at(i);
        if (!r.ok()) {
          ++failed;
          if (!first_failure) first_failure = r.status();
          failures.push_back({{"line", line},
                              {"error", GetErrorInfo(r.status().id()).slug},
                              {"message", r.status().message()}});
          human += "line " + std::to_string(line) + ": " + r.status().ToString() + "\n";
        } else {
          ++enrolled;
          ++committed;
          if (crash.at > 0 && crash.after_commit && committed == crash.at) ::_exit(86);
          if (r->state == core::ApplicationState::kFlagged) {
            ++flagged;
            human += "line " + std::to_string(line) + ": application " + r->application_id +
                     " flagged as a possible duplicate - a supervisor must review\n";
          }
        }
        // Progress on standard error (also with --json, whose answer is on standard output).
        // Resuming needs nothing from it: the store knows the last committed line.
        if ((enrolled + failed) % 1000 == 0) {
          std::cerr << (enrolled + failed) << " applicants processed, through line " << line
                    << "\n";
        }
      },
      in_commit);
  nlohmann::ordered_json j;
  j["enrolled"] = enrolled;
  j["flagged"] = flagged;
  j["failed"] = failed;
  j["skipped_lines"] = resume_after;
  j["failures"] = std::move(failures);
  human += std::to_string(enrolled) + " enrolled (" + std::to_string(flagged) +
           " flagged as possible duplicates), " + std::to_string(failed) + " failed";
  if (resume_after > 0) {
    human += "; lines 1-" + std::to_string(resume_after) + " were processed by an earlier run (enrolled, or failed and listed then)";
  }
  if (!first_failure) {
    out.Result(j, human);
    return kExitOk;
  }
  return out.Fail(Error(first_failure->id(), std::to_string(failed) + " of " +
                                                 std::to_string(enrolled + failed) +
                                                 " applicants failed; the others were enrolled"),
                  j, human);
}

int Enroll(const GlobalOptions& g, const EnrollOptions& o) {
  if (!o.batch.empty()) return EnrollBatch(g, o);
  Output out(g);
  if (o.applicant.empty()) {
    return out.Fail(Error(ErrorId::kInvalidArgument, "give --applicant FILE or --batch FILE"));
  }
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  // "-" reads standard input, so a form can pipe the applicant in without a file on disk.
  Result<std::string> text = std::string();
  if (o.applicant == "-") {
    std::string buf((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (buf.size() > core::kMaxApplicantFileBytes) {
      return out.Fail(Error(ErrorId::kResourceExhausted, "applicant on standard input is larger than 64 KiB"));
    }
    text = std::move(buf);
  } else {
    text = ReadFileBounded(o.applicant, core::kMaxApplicantFileBytes);
  }
  if (!text.ok()) {
    // A missing or unreadable file is the clerk's input mistake, not an outage.
    return out.Fail(Error(ErrorId::kInvalidArgument, "applicant file: " + text.status().message()));
  }
  const std::string base = o.applicant == "-" ? std::string(".")
                                              : std::filesystem::path(o.applicant).parent_path().string();
  const Date today = Date::FromUnix((*dir)->clock().Now());
  auto input = core::ParseApplicantJson(*text, base.empty() ? "." : base, today);
  if (!input.ok()) return out.Fail(input.status());
  if (!o.site.empty()) input->site = o.site;
  auto actor = MakeActor(g, core::Role::kClerk);
  auto r = core::Enroll((*dir)->ctx(), *input, actor);
  if (!r.ok()) {
    if (r.status().id() == ErrorId::kDocumentsInsufficient) {
      // Show the clerk the whole evaluation: each document's verdict and what would help.
      std::vector<policy::PresentedDocument> docs;
      for (const auto& d : input->documents) docs.push_back({d.type, d.issued, d.expires, !d.number.empty()});
      const policy::Evaluation eval = (*dir)->policy().Evaluate(docs, today);
      return out.Fail(r.status(),
                      {{"evaluation", nlohmann::ordered_json::parse(eval.ToJson())}},
                      eval.Explain());
    }
    return out.Fail(r.status());
  }

  nlohmann::ordered_json j;
  j["application_id"] = r->application_id;
  j["person_id"] = r->person_id;
  j["status"] = core::Name(r->state);
  j["evaluation"] = nlohmann::ordered_json::parse(r->evaluation_json);
  std::string human = "Application " + r->application_id + " (person " + r->person_id + "): " +
                      core::Name(r->state) + "\n" + r->explanation;
  // Flag, duplicate pair (supervisors only), transliterated name and access code: as the API
  // answers them (core/enroll_answer.h).
  j.update(core::EnrollAnswerFields(*r, actor.role));
  const bool flagged = r->state == core::ApplicationState::kFlagged;
  if (r->latin_name_transliterated) {
    human += "Name on the card in Latin letters: " + r->printed_name + "\n" +
             core::kTransliterationNotice + "\n";
  }
  if (flagged) human += "FLAGGED FOR REVIEW: a supervisor must review before approval\n";
  if (!human.empty() && human.back() != '\n') human += "\n";
  human += "Access code for the applicant's receipt (shown once): " + r->access_code;
  out.Result(j, human);
  return kExitOk;
}

}  // namespace

void RegisterEnroll(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto o = std::make_shared<EnrollOptions>();
  auto* cmd = app.add_subcommand(
      "enroll", "Vet an applicant's checked documents and record the application");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  auto* single = cmd->add_option("--applicant", o->applicant,
                                 "Applicant file (JSON, see docs/cli.md), or - for stdin");
  auto* batch = cmd->add_option("--batch", o->batch,
                                "Bulk import: a JSON Lines file, one applicant per line");
  single->excludes(batch);
  cmd->add_option("--site", o->site, "Enrollment site id (overrides the file's site)");
  cmd->callback([&g, &run, o] { run = [&g, o] { return Enroll(g, *o); }; });
}

}  // namespace cityid::cli
