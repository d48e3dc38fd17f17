// Store transactions: parts of documents journaled alone, and the two generations.
#include <gtest/gtest.h>

#include <cstdio>

#include "emulator/store/store.hpp"

namespace {

using zonesim::json;
using zonesim::store::Store;

const json kGroup = {{"Name", "tg"},
                     {"_targets", {{{"Id", "10.0.1.1"}, {"_next", 1}}, {{"Id", "10.0.1.2"}}}}};

void seed(Store& s) {
  s.begin();
  s.put("a/r", "group", "g", kGroup);
  s.commit();
}

TEST(StoreParts, APartIsUndoneByRollbackAsAWholeDocumentIs) {
  Store s;
  seed(s);
  s.begin();
  json* t = s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/0"));
  ASSERT_NE(t, nullptr);
  (*t)["_next"] = 2;
  (*t)["_state"] = "healthy";
  // The document changed afterwards as a whole: the part is undone after it, in reverse order.
  json* g = s.get_mut("a/r", "group", "g");
  (*g)["_targets"].erase(0);
  (*g)["Name"] = "renamed";
  s.rollback();
  EXPECT_EQ(*s.get("a/r", "group", "g"), kGroup);

  // Whole first, then a part: the whole copy is enough.
  s.begin();
  (*s.get_mut("a/r", "group", "g"))["Name"] = "x";
  (*s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/1")))["Id"] = "y";
  s.rollback();
  EXPECT_EQ(*s.get("a/r", "group", "g"), kGroup);

  // The same part twice, then the document erased.
  s.begin();
  (*s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/1")))["Id"] = "y";
  (*s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/1")))["Id"] = "z";
  s.erase("a/r", "group", "g");
  s.rollback();
  EXPECT_EQ(*s.get("a/r", "group", "g"), kGroup);

  EXPECT_EQ(s.get_mut_part("a/r", "group", "nope", json::json_pointer("/Name")), nullptr);
  s.begin();
  EXPECT_EQ(s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/7")), nullptr);
  s.rollback();
}

TEST(StoreParts, BookkeepingAdvancesTheGenerationButNotTheSharedOne) {
  Store s;
  seed(s);
  auto gen = s.generation(), shared = s.shared_generation();
  s.begin();
  (*s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/0"),
                   Store::Readers::writer))["_next"] = 5;
  s.commit();
  EXPECT_EQ(s.generation(), gen + 1);
  EXPECT_EQ(s.shared_generation(), shared);
  EXPECT_EQ((*s.get("a/r", "group", "g"))["_targets"][0]["_next"], 5);

  s.begin();
  (*s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/0")))["_state"] = "x";
  s.commit();
  EXPECT_EQ(s.generation(), gen + 2);
  EXPECT_EQ(s.shared_generation(), shared + 1);

  // Bookkeeping together with a change for everyone is a change for everyone.
  s.begin();
  (*s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/0"),
                   Store::Readers::writer))["_next"] = 6;
  (*s.get_mut("a/r", "group", "g"))["Name"] = "n";
  s.commit();
  EXPECT_EQ(s.shared_generation(), shared + 2);

  // A rolled-back transaction advances neither.
  s.begin();
  (*s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/0")))["_state"] = "y";
  s.rollback();
  EXPECT_EQ(s.generation(), gen + 3);
  EXPECT_EQ(s.shared_generation(), shared + 2);
}

TEST(StoreParts, APartReachesTheStateFile) {
  std::string path = ::testing::TempDir() + "store_parts.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  {
    Store s(path);
    seed(s);
    s.begin();
    (*s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/1"),
                     Store::Readers::writer))["_next"] = 9;
    (*s.get_mut_part("a/r", "group", "g", json::json_pointer("/_targets/0")))["_next"] = 8;
    s.commit();
  }
  Store again(path);
  json want = kGroup;
  want["_targets"][1]["_next"] = 9;
  want["_targets"][0]["_next"] = 8;
  EXPECT_EQ(*again.get("a/r", "group", "g"), want);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

}  // namespace
