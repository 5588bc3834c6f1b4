// One conformance suite, run against every Store backend.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::store {
namespace {

using Factory = std::function<std::unique_ptr<Store>(const std::string& dir)>;

struct Backend {
  std::string name;
  Factory open;
};

class StoreConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = GetParam().open(dir_.string());
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  PersonRow Person(const std::string& id) {
    return PersonRow{id, Bytes(72, 1), Bytes(100, 2), 1, 10, 10};
  }
  ApplicationRow App(const std::string& id, const std::string& person) {
    ApplicationRow a;
    a.id = id;
    a.person_id = person;
    a.state = "documents_checked";
    a.site = "city-hall";
    a.policy_version = "v";
    a.evaluation_json = "{}";
    a.flags_json = "[]";
    a.created_by = "clerk1";
    a.created_at = a.updated_at = 100;
    return a;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformanceTest, WriteCommitsAllOrNothing) {
  Status s = store_->Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p1")));
    CITYID_RETURN_IF_ERROR(tx.AppendAudit({1, "a", "clerk", "", "person.create", "p1", ""}).status());
    return Error(ErrorId::kInvalidArgument, "abort on purpose");
  });
  EXPECT_EQ(s.id(), ErrorId::kInvalidArgument);
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    EXPECT_FALSE(tx.GetPerson("p1")->has_value());
    EXPECT_EQ(*tx.AuditSize(), 0);
    return Status::Ok();
  }).ok());
}

TEST_P(StoreConformanceTest, StatsCountCommitsAndThePagesTheyWrite) {
  const StoreStats before = store_->Stats();
  ASSERT_TRUE(store_->Read([](Tx& tx) -> Status { return tx.AuditSize().status(); }).ok());
  EXPECT_EQ(store_->Stats().commits, before.commits);  // a read commits nothing
  (void)store_->Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p0")));
    return Error(ErrorId::kInvalidArgument, "rolled back");
  });
  EXPECT_EQ(store_->Stats().commits, before.commits);  // nor does a rollback
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.InsertPerson(Person("p" + std::to_string(i))); })
                    .ok());
  }
  const StoreStats after = store_->Stats();
  EXPECT_EQ(after.commits, before.commits + 3);
  const uint64_t pages = after.pages_written - before.pages_written;
  if (GetParam().name.find("Memory") != std::string::npos) {
    EXPECT_EQ(pages, 0u);  // nothing reaches a file
  } else {
    // Each commit wrote at least the table's page; none wrote dozens for one small row.
    EXPECT_GE(pages, 3u);
    EXPECT_LE(pages, 30u);
  }
}

TEST_P(StoreConformanceTest, PersonApplicationDocumentsRoundTrip) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p1")));
    CITYID_RETURN_IF_ERROR(tx.InsertApplication(App("a1", "p1")));
    return tx.InsertCheckedDocument({"a1", "residency", 0, 1, true, "clerk1", 5, Bytes(32, 9)});
  }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    auto p = tx.GetPerson("p1");
    EXPECT_TRUE(p.ok() && p->has_value());
    EXPECT_EQ((*p)->sealed, Bytes(100, 2));
    auto a = tx.GetApplication("a1");
    EXPECT_EQ((*a)->state, "documents_checked");
    auto docs = tx.DocumentsForApplication("a1");
    EXPECT_EQ(docs->size(), 1u);
    EXPECT_EQ((*docs)[0].residency_points, 1);
    EXPECT_EQ(tx.FindDocumentIndex(Bytes(32, 9))->size(), 1u);
    return Status::Ok();
  }).ok());
}

// Each filter shape has its own statement (so that SQLite can use the person and state
// indexes): all of them must select and order alike.
TEST_P(StoreConformanceTest, ListApplicationsFiltersByPersonStateAndTimeAlike) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p1")));
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p2")));
    struct Row { const char* id; const char* person; const char* state; UnixSeconds at; };
    for (const Row& r : {Row{"a1", "p1", "documents_checked", 100}, Row{"a2", "p1", "flagged", 200},
                         Row{"a3", "p2", "flagged", 150}, Row{"a4", "p2", "approved", 120}}) {
      ApplicationRow a = App(r.id, r.person);
      a.state = r.state;
      a.created_at = a.updated_at = r.at;
      CITYID_RETURN_IF_ERROR(tx.InsertApplication(a));
    }
    return Status::Ok();
  }).ok());
  auto ids = [&](ApplicationFilter f) {
    std::vector<std::string> out;
    EXPECT_TRUE(store_->Read([&](Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(auto rows, tx.ListApplications(f));
      for (const auto& r : rows) out.push_back(r.id);
      return Status::Ok();
    }).ok());
    return out;
  };
  using V = std::vector<std::string>;
  auto f = [](V states, std::optional<UnixSeconds> before, std::string person, size_t limit = 1000) {
    ApplicationFilter out;
    out.states = std::move(states);
    out.updated_before = before;
    out.person_id = std::move(person);
    out.limit = limit;
    return out;
  };
  EXPECT_EQ(ids(f({}, {}, "")), (V{"a1", "a4", "a3", "a2"}));
  EXPECT_EQ(ids(f({}, {}, "p1")), (V{"a1", "a2"}));
  EXPECT_EQ(ids(f({}, {}, "p3")), V{});
  EXPECT_EQ(ids(f({"flagged"}, {}, "")), (V{"a3", "a2"}));
  EXPECT_EQ(ids(f({"flagged", "approved"}, {}, "")), (V{"a4", "a3", "a2"}));
  EXPECT_EQ(ids(f({"flagged"}, {}, "p1")), V{"a2"});
  EXPECT_EQ(ids(f({"approved"}, {}, "p1")), V{});
  EXPECT_EQ(ids(f({}, 150, "")), (V{"a1", "a4"}));
  EXPECT_EQ(ids(f({"flagged"}, 200, "")), V{"a3"});
  EXPECT_EQ(ids(f({}, 200, "p1")), V{"a1"});
  EXPECT_EQ(ids(f({"flagged"}, {}, "p2", 1)), V{"a3"});
  EXPECT_EQ(ids(f({}, {}, "", 2)), (V{"a1", "a4"}));
}

TEST_P(StoreConformanceTest, DuplicatePrimaryKeyIsAlreadyExists) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.InsertPerson(Person("p1")); }).ok());
  EXPECT_EQ(store_->Write([&](Tx& tx) { return tx.InsertPerson(Person("p1")); }).id(),
            ErrorId::kAlreadyExists);
}

TEST_P(StoreConformanceTest, DeletePersonRemovesKeysAndIndexes) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p1")));
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p2")));
    CITYID_RETURN_IF_ERROR(tx.InsertApplication(App("a1", "p1")));
    CITYID_RETURN_IF_ERROR(tx.InsertDedupKey({Bytes(32, 7), "name_exact", "p1"}));
    CITYID_RETURN_IF_ERROR(tx.InsertDedupKey({Bytes(32, 7), "name_exact", "p1"}));  // a set
    CITYID_RETURN_IF_ERROR(tx.InsertDedupKey({Bytes(32, 9), "name_phonetic", "p1"}));
    CITYID_RETURN_IF_ERROR(tx.InsertDedupKey({Bytes(32, 7), "name_exact", "p2"}));  // shared
    return tx.InsertCheckedDocument({"a1", "identity", 3, 0, true, "c", 5, Bytes(32, 8)});
  }).ok());
  // A key for nobody is refused, and leaves nothing behind.
  EXPECT_EQ(store_->Write([&](Tx& tx) { return tx.InsertDedupKey({Bytes(32, 6), "name_exact", "p9"}); }).id(),
            ErrorId::kNotFound);
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.DeletePerson("p1"); }).ok());
  EXPECT_EQ(store_->Write([&](Tx& tx) { return tx.DeletePerson("p1"); }).id(), ErrorId::kNotFound);
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    EXPECT_FALSE(tx.GetPerson("p1")->has_value());
    auto shared = tx.FindDedupKeys({Bytes(32, 7), Bytes(32, 9), Bytes(32, 6)});
    EXPECT_EQ(shared->size(), 1u);  // p2's copy of the shared key only
    if (!shared->empty()) {
      EXPECT_EQ(shared->front().person_id, "p2");
    }
    EXPECT_TRUE(tx.FindDocumentIndex(Bytes(32, 8))->empty());
    EXPECT_TRUE(tx.GetApplication("a1")->has_value());  // pseudonymous workflow record stays
    return Status::Ok();
  }).ok());
}

TEST_P(StoreConformanceTest, ReissuedAccessCodeReplacesTheOldOneAndGoesWithThePerson) {
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p1")));
                    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p2")));
                    CITYID_RETURN_IF_ERROR(tx.PutAccessCode("p1", Bytes(32, 1), 10));
                    return tx.PutAccessCode("p2", Bytes(32, 2), 10);
                  })
                  .ok());
  // Another person cannot hold the same hash.
  EXPECT_EQ(store_->Write([&](Tx& tx) { return tx.PutAccessCode("p2", Bytes(32, 1), 11); }).id(),
            ErrorId::kAlreadyExists);
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.PutAccessCode("p1", Bytes(32, 3), 12); }).ok());
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    CITYID_ASSIGN_OR_RETURN(auto old_code, tx.FindAccessCode(Bytes(32, 1)));
                    EXPECT_FALSE(old_code.has_value());
                    CITYID_ASSIGN_OR_RETURN(auto new_code, tx.FindAccessCode(Bytes(32, 3)));
                    EXPECT_EQ(new_code.value_or(""), "p1");
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.DeletePerson("p1"); }).ok());
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    CITYID_ASSIGN_OR_RETURN(auto gone, tx.FindAccessCode(Bytes(32, 3)));
                    EXPECT_FALSE(gone.has_value());
                    CITYID_ASSIGN_OR_RETURN(auto other, tx.FindAccessCode(Bytes(32, 2)));
                    EXPECT_EQ(other.value_or(""), "p2");
                    return Status::Ok();
                  })
                  .ok());
}

TEST_P(StoreConformanceTest, AuditLogIsAppendOnly) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    for (int i = 0; i < 3; ++i) {
      auto seq = tx.AppendAudit({i, "a", "clerk", "", "x", "s", ""});
      if (!seq.ok()) return seq.status();
      EXPECT_EQ(*seq, i);
    }
    return Status::Ok();
  }).ok());
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    auto rows = tx.ReadAudit(1, 10);
    EXPECT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].leaf_hash, audit::LeafHash((*rows)[0].entry));
    return Status::Ok();
  }).ok());
}

// The auditor's log browser: filters by action, site and time, paged from a seq either way.
TEST_P(StoreConformanceTest, SearchAuditFiltersByActionSiteAndTimeAndPagesBothWays) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    // seq i: at 100 + 10 i; even seqs "card.issue" at site "north", odd "person.read" at "south".
    for (int i = 0; i < 10; ++i) {
      const bool even = i % 2 == 0;
      CITYID_RETURN_IF_ERROR(tx.AppendAudit({100 + 10 * i, "s1", "clerk", even ? "north" : "south",
                                             even ? "card.issue" : "person.read", "p", ""})
                                 .status());
    }
    return Status::Ok();
  }).ok());
  auto seqs = [&](const AuditFilter& f) {
    std::vector<int64_t> out;
    EXPECT_TRUE(store_->Read([&](Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(auto rows, tx.SearchAudit(f));
      for (const auto& r : rows) {
        EXPECT_EQ(r.leaf_hash, audit::LeafHash(r.entry));
        out.push_back(r.seq);
      }
      return Status::Ok();
    }).ok());
    return out;
  };
  using V = std::vector<int64_t>;
  // A filter from (action, site, since, until, from_seq, descending, limit); "" and -1 for any.
  auto filter = [](std::string action, std::string site, UnixSeconds since, UnixSeconds until,
                   int64_t from_seq = 0, bool descending = false, size_t limit = 100) {
    AuditFilter f;
    f.action = std::move(action);
    f.site = std::move(site);
    if (since >= 0) f.since = since;
    if (until >= 0) f.until = until;
    f.from_seq = from_seq;
    f.descending = descending;
    f.limit = limit;
    return f;
  };
  EXPECT_EQ(seqs(filter("", "", -1, -1)), (V{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(seqs(filter("person.read", "", -1, -1)), (V{1, 3, 5, 7, 9}));
  EXPECT_EQ(seqs(filter("", "north", -1, -1)), (V{0, 2, 4, 6, 8}));
  EXPECT_EQ(seqs(filter("person.read", "north", -1, -1)), V{});
  EXPECT_EQ(seqs(filter("", "", 130, 160)), (V{3, 4, 5}));  // since inclusive, until not
  EXPECT_EQ(seqs(filter("card.issue", "", -1, -1, 3, false, 2)), (V{4, 6}));
  EXPECT_EQ(seqs(filter("card.issue", "", -1, -1, 5, true, 2)), (V{4, 2}));
  EXPECT_EQ(seqs(filter("", "", -1, -1, 9, true, 3)), (V{9, 8, 7}));
}

TEST_P(StoreConformanceTest, ReadTransactionRejectsWrites) {
  EXPECT_EQ(store_->Read([&](Tx& tx) { return tx.InsertPerson(Person("p1")); }).id(),
            ErrorId::kPermissionDenied);
}

TEST_P(StoreConformanceTest, CardsAndStatusLists) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p1")));
    CITYID_RETURN_IF_ERROR(tx.InsertApplication(App("a1", "p1")));
    CITYID_RETURN_IF_ERROR(tx.InsertCard(
        {"123", "p1", "a1", "active", 10, 1000, "1", 77, Bytes(8, 1), "", 10, "crd_one"}));
    return tx.PutStatusList({"1", 131072, Bytes(16384, 0), 10});
  }).ok());
  // The same status index cannot be given to two cards.
  EXPECT_EQ(store_
                ->Write([&](Tx& tx) {
                  return tx.InsertCard({"456", "p1", "a1", "active", 10, 1000, "1", 77, Bytes(8, 1),
                                        "", 10, "crd_two"});
                })
                .id(),
            ErrorId::kAlreadyExists);
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    EXPECT_TRUE(*tx.StatusIndexInUse("1", 77));
    EXPECT_FALSE(*tx.StatusIndexInUse("1", 78));
    CardFilter f;
    f.expires_before = 2000;
    EXPECT_EQ(tx.ListCards(f)->size(), 1u);
    f.expires_before = 500;
    EXPECT_EQ(tx.ListCards(f)->size(), 0u);
    EXPECT_EQ((*tx.GetStatusList("1"))->bits.size(), 16384u);
    // The card's pseudonymous id finds it (schema v13); nothing else does.
    EXPECT_EQ((*tx.GetCardBySubject("crd_one")).value_or(CardRow{}).number, "123");
    EXPECT_FALSE(tx.GetCardBySubject("123")->has_value());
    EXPECT_FALSE(tx.GetCardBySubject("")->has_value());
    EXPECT_EQ((*tx.GetCard("123"))->subject, "crd_one");
    return Status::Ok();
  }).ok());
}

// Schema v17: a card's printed_at and retention_due round-trip; the print queue (unprinted) and
// the print window (retention_due issued before) filters find exactly their cards.
TEST_P(StoreConformanceTest, CardsPrintedAndRetentionDue) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p1")));
    CITYID_RETURN_IF_ERROR(tx.InsertApplication(App("a1", "p1")));
    CardRow fresh{"111", "p1", "a1", "active", 100, 1000, "1", 1, Bytes(8, 1), "", 100, "crd_1"};
    fresh.retention_due = true;
    CITYID_RETURN_IF_ERROR(tx.InsertCard(fresh));
    CardRow old{"222", "p1", "a1", "active", 50, 1000, "1", 2, Bytes(8, 1), "", 50, "crd_2"};
    old.retention_due = true;
    CITYID_RETURN_IF_ERROR(tx.InsertCard(old));
    CardRow printed{"333", "p1", "a1", "active", 10, 1000, "1", 3, Bytes(8, 1), "", 10, "crd_3"};
    printed.printed_at = 20;
    return tx.InsertCard(printed);
  }).ok());
  auto numbers = [](const std::vector<CardRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.number);
    return out;
  };
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CardFilter queue;
    queue.unprinted = true;
    EXPECT_EQ(numbers(*tx.ListCards(queue)), (std::vector<std::string>{"222", "111"}));
    CardFilter due;
    due.retention_due_issued_before = 80;
    EXPECT_EQ(numbers(*tx.ListCards(due)), std::vector<std::string>{"222"});
    EXPECT_EQ((*tx.GetCard("333"))->printed_at, 20);
    EXPECT_FALSE((*tx.GetCard("333"))->retention_due);
    CardRow c = **tx.GetCard("111");
    EXPECT_TRUE(c.retention_due);
    c.printed_at = 150;
    c.retention_due = false;
    CITYID_RETURN_IF_ERROR(tx.UpdateCard(c));
    EXPECT_EQ((*tx.GetCard("111"))->printed_at, 150);
    EXPECT_FALSE((*tx.GetCard("111"))->retention_due);
    EXPECT_EQ(numbers(*tx.ListCards(queue)), std::vector<std::string>{"222"});
    return Status::Ok();
  }).ok());
}

// As ListApplications: each filter shape of ListCards selects and orders alike.
TEST_P(StoreConformanceTest, ListCardsFiltersByPersonStateAndExpiryAlike) {
  ASSERT_TRUE(store_->Write([&](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p1")));
    CITYID_RETURN_IF_ERROR(tx.InsertPerson(Person("p2")));
    CITYID_RETURN_IF_ERROR(tx.InsertApplication(App("a1", "p1")));
    CITYID_RETURN_IF_ERROR(tx.InsertApplication(App("a2", "p2")));
    CITYID_RETURN_IF_ERROR(tx.InsertCard(
        {"c1", "p1", "a1", "revoked", 10, 1000, "1", 1, Bytes(8, 1), "", 10, "crd_1"}));
    CITYID_RETURN_IF_ERROR(tx.InsertCard(
        {"c2", "p1", "a1", "active", 30, 3000, "1", 2, Bytes(8, 1), "", 30, "crd_2"}));
    CITYID_RETURN_IF_ERROR(tx.InsertCard(
        {"c3", "p2", "a2", "active", 20, 2000, "1", 3, Bytes(8, 1), "", 20, "crd_3"}));
    return Status::Ok();
  }).ok());
  using V = std::vector<std::string>;
  auto numbers = [&](V states, std::optional<UnixSeconds> before, std::string person) {
    CardFilter f;
    f.states = std::move(states);
    f.expires_before = before;
    f.person_id = std::move(person);
    V out;
    EXPECT_TRUE(store_->Read([&](Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(auto rows, tx.ListCards(f));
      for (const auto& r : rows) out.push_back(r.number);
      return Status::Ok();
    }).ok());
    return out;
  };
  EXPECT_EQ(numbers({}, {}, ""), (V{"c1", "c3", "c2"}));
  EXPECT_EQ(numbers({}, {}, "p1"), (V{"c1", "c2"}));
  EXPECT_EQ(numbers({}, {}, "p9"), V{});
  EXPECT_EQ(numbers({"active"}, {}, ""), (V{"c3", "c2"}));
  EXPECT_EQ(numbers({"active"}, {}, "p1"), V{"c2"});
  EXPECT_EQ(numbers({"active", "revoked"}, 2500, ""), (V{"c1", "c3"}));
  EXPECT_EQ(numbers({}, 2500, "p1"), V{"c1"});
}

TEST(SqliteStoreTest, RejectsFileThatIsNotADatabase) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("cityid-notadb-" + std::to_string(::getpid()));
  { std::ofstream(path) << "this is not a database, just some text that is long enough......."
                           "................................................................"; }
  auto s = OpenSqliteStore(path.string());
  EXPECT_FALSE(s.ok());
  std::filesystem::remove(path);
}

TEST_P(StoreConformanceTest, FactsRoundTripAndReplace) {
  ASSERT_TRUE(store_
                  ->Write([](Tx& tx) -> Status {
                    CITYID_ASSIGN_OR_RETURN(auto none, tx.GetFact("key_check.kek"));
                    EXPECT_FALSE(none.has_value());
                    CITYID_RETURN_IF_ERROR(tx.PutFact("key_check.kek", "abc", 10));
                    return tx.PutFact("key_check.kek", "def", 11);
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([](Tx& tx) -> Status {
                    CITYID_ASSIGN_OR_RETURN(auto v, tx.GetFact("key_check.kek"));
                    EXPECT_EQ(v, std::optional<std::string>("def"));
                    EXPECT_EQ(tx.PutFact("x", "y", 1).id(), ErrorId::kPermissionDenied);
                    return Status::Ok();
                  })
                  .ok());
}

// Issue 14 §5: a zero-length cityid.db was silently migrated into a fresh, empty store under
// the folder's old keys ("audit verify: intact, 0 entries").
TEST(SqliteStoreTest, ZeroLengthDatabaseIsRefusedNotRecreated) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("cityid-empty-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cityid.db").string();
  { std::ofstream(path, std::ios::trunc); }
  SqliteOptions o;
  o.must_exist = true;
  auto s = OpenSqliteStore(path, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().id(), ErrorId::kStoreCorrupt);
  EXPECT_NE(s.status().message().find("backup"), std::string::npos);
  EXPECT_EQ(std::filesystem::file_size(path), 0u);  // nothing was written
  std::filesystem::remove_all(dir);
}

// Issue 14 §5: a busy, read-only or full database was "internal" (exit 1, HTTP 500).
TEST(SqliteStoreTest, BusyReadOnlyAndFullDatabasesAreUnavailableAndSayWhatToDo) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("cityid-unavail-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cityid.db").string();
  SqliteOptions o;
  o.busy_timeout_ms = 10;
  auto store = OpenSqliteStore(path, o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  // Busy: another connection holds the write lock.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Status busy = (*store)->Write([](Tx& tx) { return tx.PutFact("a", "b", 1); });
  EXPECT_EQ(busy.id(), ErrorId::kStoreBusy);
  EXPECT_EQ(busy.code(), StatusCode::kUnavailable);
  EXPECT_NE(busy.message().find("retry"), std::string::npos);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  // Read-only: what SQLite answers on a read-only mount or file (as root, permissions do not
  // stop a write, so the connection is opened read-only).
  sqlite3* ro = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &ro, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_extended_result_codes(ro, 1);
  ASSERT_NE(
      sqlite3_exec(ro, "INSERT INTO store_facts VALUES ('a', 'b', 1)", nullptr, nullptr, nullptr),
      SQLITE_OK);
  Status read_only = sqlite_internal::SqlError(ro, "exec");
  EXPECT_EQ(read_only.id(), ErrorId::kStoreReadOnly);
  EXPECT_NE(read_only.message().find("write access"), std::string::npos);
  sqlite3_close(ro);
  // Full: the database may not grow (as on a full disk).
  sqlite3* full = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &full), SQLITE_OK);
  sqlite3_extended_result_codes(full, 1);
  sqlite3_exec(full, "PRAGMA max_page_count = 1", nullptr, nullptr, nullptr);
  ASSERT_NE(
      sqlite3_exec(full, "CREATE TABLE big (x BLOB); INSERT INTO big VALUES (zeroblob(100000))",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  Status disk_full = sqlite_internal::SqlError(full, "exec");
  EXPECT_EQ(disk_full.id(), ErrorId::kStoreFull);
  EXPECT_NE(disk_full.message().find("free space"), std::string::npos);
  sqlite3_close(full);
  store->reset();
  std::filesystem::remove_all(dir);
}

TEST(SqliteStoreTest, AppliesAMigrationMissingBelowTheHighestApplied) {
  // Areas number their migrations independently: a database may have v4 and v5 but not v2.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cityid-migrate-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cityid.db").string();
  ASSERT_TRUE(OpenSqliteStore(path).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE tree_heads; DELETE FROM schema_migrations WHERE version = 2;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto reopened = OpenSqliteStore(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_TRUE((*reopened)->Read([](Tx& tx) { return tx.ListTreeHeads().status(); }).ok());
  reopened->reset();
  std::filesystem::remove_all(dir);
}

TEST(SqliteStoreTest, DedupKeysMoveIntoOneBTreeKeepingEveryDistinctKey) {
  // A database from before v9: dedup_keys as a rowid table with an index, one key twice (and so
  // from before v11: persons without their own key list).
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cityid-migrate-v9-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cityid.db").string();
  ASSERT_TRUE(OpenSqliteStore(path).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string old_schema =
                         "DROP TABLE dedup_keys;"
                         "ALTER TABLE persons DROP COLUMN dedup_keys;"
                         "CREATE TABLE dedup_keys (key BLOB NOT NULL, kind TEXT NOT NULL, "
                         "  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE) STRICT;"
                         "CREATE INDEX dedup_keys_key ON dedup_keys(key);"
                         "CREATE INDEX dedup_keys_person ON dedup_keys(person_id);"
                         "INSERT INTO persons VALUES ('per_a', x'00', x'00', 1, 0, 0);"
                         "INSERT INTO persons VALUES ('per_b', x'00', x'00', 1, 0, 0);"
                         "INSERT INTO dedup_keys VALUES (x'0101', 'name', 'per_a');"
                         "INSERT INTO dedup_keys VALUES (x'0101', 'name', 'per_a');"
                         "INSERT INTO dedup_keys VALUES (x'0101', 'name', 'per_b');"
                         "INSERT INTO dedup_keys VALUES (x'0202', 'document', 'per_a');"
                         "INSERT INTO dedup_keys VALUES (x'" + std::string(64, 'c') + "', "
                         "'name_exact', 'per_b');"
                         "DELETE FROM schema_migrations WHERE version IN (9, 11, 12);";
  ASSERT_EQ(sqlite3_exec(db, old_schema.c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto reopened = OpenSqliteStore(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ASSERT_TRUE((*reopened)->Write([](Tx& tx) -> Status {
    auto found = tx.FindDedupKeys({Bytes{1, 1}, Bytes{2, 2}});
    EXPECT_TRUE(found.ok());
    EXPECT_EQ(found->size(), 3u);  // the duplicate row became one
    EXPECT_EQ(*tx.FindDocumentIndex(Bytes{2, 2}), std::vector<std::string>{"per_a"});
    // v12 stores a full 32-byte key by its first 16 bytes and a known kind by a letter; found
    // by the full key, under its full kind name.
    auto full = tx.FindDedupKeys({Bytes(32, 0xcc)});
    EXPECT_TRUE(full.ok() && full->size() == 1u);
    if (full.ok() && full->size() == 1u) {
      EXPECT_EQ(full->front().kind, "name_exact");
      EXPECT_EQ(full->front().person_id, "per_b");
    }
    // Inserting a key the person already has is not an error: keys are a set.
    EXPECT_TRUE(tx.InsertDedupKey({Bytes{1, 1}, "name", "per_b"}).ok());
    EXPECT_EQ(tx.FindDedupKeys({Bytes{1, 1}})->size(), 2u);
    // Shredding a person still removes their keys, and only theirs: v11 listed each person's
    // keys in their row from the old table.
    EXPECT_TRUE(tx.DeletePerson("per_a").ok());
    auto left = tx.FindDedupKeys({Bytes{1, 1}, Bytes{2, 2}});
    EXPECT_EQ(left->size(), 1u);
    EXPECT_EQ(left->front().person_id, "per_b");
    EXPECT_TRUE(tx.DeletePerson("per_b").ok());
    EXPECT_TRUE(tx.FindDedupKeys({Bytes{1, 1}})->empty());
    EXPECT_TRUE(tx.FindDedupKeys({Bytes(32, 0xcc)})->empty());
    return Status::Ok();
  }).ok());
  reopened->reset();
  std::filesystem::remove_all(dir);
}

// Schema v13 gives every card a random pseudonymous id for the audit log, cards issued before it
// included; the ids are distinct and none is the card's number.
TEST(SqliteStoreTest, CardsIssuedBeforeV13GetDistinctPseudonymousIds) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cityid-migrate13-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cityid.db").string();
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Write([](Tx& tx) -> Status {
      PersonRow p;
      p.id = "per_a";
      p.wrapped_key = Bytes(72, 1);
      p.sealed = Bytes(40, 2);
      p.schema_version = 1;
      CITYID_RETURN_IF_ERROR(tx.InsertPerson(p));
      ApplicationRow a;
      a.id = "app_a";
      a.person_id = "per_a";
      a.state = "issued";
      a.site = "city-hall";
      a.policy_version = "v";
      a.evaluation_json = "{}";
      a.flags_json = "[]";
      a.documents_json = "[]";
      a.created_by = "c";
      CITYID_RETURN_IF_ERROR(tx.InsertApplication(a));
      CITYID_RETURN_IF_ERROR(tx.InsertCard(
          {"100000000001", "per_a", "app_a", "active", 1, 9, "1", 1, Bytes(8, 1), "", 1, ""}));
      return tx.InsertCard(
          {"100000000002", "per_a", "app_a", "active", 1, 9, "1", 2, Bytes(8, 1), "", 1, ""});
    }).ok());
  }
  // Back to a v12 database: no subject column, no access codes, v13 not applied.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP INDEX cards_subject; ALTER TABLE cards DROP COLUMN subject; "
                         "DROP TABLE access_codes; "
                         "DELETE FROM schema_migrations WHERE version = 13;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto reopened = OpenSqliteStore(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ASSERT_TRUE((*reopened)->Read([](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto one, tx.GetCard("100000000001"));
    CITYID_ASSIGN_OR_RETURN(auto two, tx.GetCard("100000000002"));
    EXPECT_TRUE(one && two);
    if (!one || !two) return Status::Ok();
    EXPECT_TRUE(one->subject.starts_with("crd_")) << one->subject;
    EXPECT_EQ(one->subject.size(), 24u) << one->subject;  // crd_ + 20 hex digits (80 bits)
    EXPECT_NE(one->subject, two->subject);
    EXPECT_EQ(one->subject.find("100000000001"), std::string::npos);
    CITYID_ASSIGN_OR_RETURN(auto back, tx.GetCardBySubject(two->subject));
    EXPECT_EQ(back.value_or(CardRow{}).number, "100000000002");
    return Status::Ok();
  }).ok());
  reopened->reset();
  std::filesystem::remove_all(dir);
}

// Schema v15 adds a site's languages and access notes; sites made before it have neither.
TEST(SqliteStoreTest, SitesMadeBeforeV15HaveNoLanguagesAndNoAccessNotes) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cityid-migrate15-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cityid.db").string();
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Write([](Tx& tx) -> Status {
      SiteRow s;
      s.id = "city-hall";
      s.name = "City Hall";
      s.kind = "city_hall";
      s.address = "1 Centre St";
      s.timezone = "-05:00";
      s.hours_json = "{}";
      s.closed_json = "[]";
      s.languages_json = R"(["en"])";
      s.accessibility = "ramp";
      return tx.InsertSite(s);
    }).ok());
  }
  // Back to a v14 database: no such columns, v15 not applied.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "ALTER TABLE sites DROP COLUMN languages_json; "
                         "ALTER TABLE sites DROP COLUMN accessibility; "
                         "DELETE FROM schema_migrations WHERE version = 15;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto reopened = OpenSqliteStore(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ASSERT_TRUE((*reopened)->Read([](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto site, tx.GetSite("city-hall"));
    EXPECT_TRUE(site.has_value());
    if (!site) return Status::Ok();
    EXPECT_EQ(site->name, "City Hall");
    EXPECT_EQ(site->languages_json, "[]");
    EXPECT_EQ(site->accessibility, "");
    return Status::Ok();
  }).ok());
  reopened->reset();
  std::filesystem::remove_all(dir);
}

// Schemas v16 and v17 on a v15 database with a card: the card was issued under the old rule
// (address dropped at issue), so it counts as printed, with no retention left to apply, and it
// never enters the print queue.
TEST(SqliteStoreTest, CardsIssuedBeforeV17CountAsPrintedAndStayOutOfThePrintQueue) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cityid-migrate17-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cityid.db").string();
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Write([](Tx& tx) -> Status {
      PersonRow p;
      p.id = "per_a";
      p.wrapped_key = Bytes(72, 1);
      p.sealed = Bytes(40, 2);
      p.schema_version = 1;
      CITYID_RETURN_IF_ERROR(tx.InsertPerson(p));
      ApplicationRow a;
      a.id = "app_a";
      a.person_id = "per_a";
      a.state = "issued";
      a.site = "city-hall";
      a.policy_version = "v";
      a.evaluation_json = "{}";
      a.flags_json = "[]";
      a.documents_json = "[]";
      a.created_by = "c";
      CITYID_RETURN_IF_ERROR(tx.InsertApplication(a));
      return tx.InsertCard({"100000000001", "per_a", "app_a", "active", 5, 9, "1", 1,
                            Bytes(8, 1), "", 5, "crd_00000000000000000001"});
    }).ok());
  }
  // Back to a v15 database: no TOTP pending column, no print columns, v16 and v17 not applied.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "ALTER TABLE staff DROP COLUMN totp_pending; "
                         "DROP INDEX cards_print_queue; "
                         "ALTER TABLE cards DROP COLUMN printed_at; "
                         "ALTER TABLE cards DROP COLUMN retention_due; "
                         "DELETE FROM schema_migrations WHERE version IN (16, 17);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto reopened = OpenSqliteStore(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ASSERT_TRUE((*reopened)->Read([](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto card, tx.GetCard("100000000001"));
    EXPECT_TRUE(card.has_value());
    if (!card) return Status::Ok();
    EXPECT_EQ(card->printed_at, 5);
    EXPECT_FALSE(card->retention_due);
    CardFilter queue;
    queue.unprinted = true;
    CITYID_ASSIGN_OR_RETURN(auto waiting, tx.ListCards(queue));
    EXPECT_TRUE(waiting.empty());
    CardFilter due;
    due.retention_due_issued_before = INT64_MAX;
    CITYID_ASSIGN_OR_RETURN(auto to_drop, tx.ListCards(due));
    EXPECT_TRUE(to_drop.empty());
    CITYID_ASSIGN_OR_RETURN(auto staff, tx.ListStaff());
    EXPECT_TRUE(staff.empty());
    return Status::Ok();
  }).ok());
  reopened->reset();
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreConformanceTest,
    ::testing::Values(
        Backend{"SqliteFile",
                [](const std::string& dir) {
                  auto s = OpenSqliteStore(dir + "/cityid.db");
                  return s.ok() ? std::move(s).value() : nullptr;
                }},
        Backend{"SqliteMemory",
                [](const std::string&) {
                  auto s = OpenSqliteStore(":memory:");
                  return s.ok() ? std::move(s).value() : nullptr;
                }},
        // As `cityid enroll --batch` opens it: memory-mapped reads, a small page cache.
        Backend{"SqliteFileBulk",
                [](const std::string& dir) {
                  SqliteOptions o;
                  o.bulk_import = true;
                  auto s = OpenSqliteStore(dir + "/cityid.db", o);
                  return s.ok() ? std::move(s).value() : nullptr;
                }}),
    [](const auto& backend_info) { return backend_info.param.name; });

}  // namespace
}  // namespace cityid::store
