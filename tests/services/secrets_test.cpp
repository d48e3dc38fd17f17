// RDS master passwords never leave the process: not in any response, not in the log (at trace
// level), not in the state export, not in the SQLite state file.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/stack.hpp"

namespace zonesim::testing {
namespace {

constexpr char kCreatePassword[] = "YourSecurePassword123";  // build_stack's
constexpr char kModifyPassword[] = "Rotated-Secret-4711";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SecretsTest : public StackTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("zonesim-secrets-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(dir_);
    reset((dir_ / "state.db").string());
    sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    spdlog::default_logger()->sinks().push_back(sink_);
    level_ = spdlog::default_logger()->level();
    spdlog::set_level(spdlog::level::trace);
  }
  void TearDown() override {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    spdlog::set_level(level_);
    app_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  spdlog::level::level_enum level_ = spdlog::level::info;
};

TEST_F(SecretsTest, MasterPasswordsAreNeverReturnedLoggedExportedOrStored) {
  std::vector<http::Response> responses;
  build_stack();
  const std::string rv = "&Version=2014-10-31";
  responses.push_back(ok_query("rds",
                               "Action=ModifyDBInstance&DBInstanceIdentifier=resilience-"
                               "platform-db&ApplyImmediately=true&MasterUserPassword=" +
                                   std::string(kModifyPassword) + rv));
  // The change is pending, as AWS shows it: masked.
  EXPECT_EQ(xpath(responses.back(), "//PendingModifiedValues/MasterUserPassword"), "****");
  responses.push_back(ok_query("rds", "Action=DescribeDBInstances" + rv));
  advance(3600);
  responses.push_back(ok_query("rds", "Action=DescribeDBInstances" + rv));
  responses.push_back(ok_query("rds", "Action=DescribeEvents" + rv));
  // A bad password's error names the rule, not the value.
  responses.push_back(query("rds",
                            "Action=ModifyDBInstance&DBInstanceIdentifier=resilience-"
                            "platform-db&MasterUserPassword=bad%2Fpass%40word" +
                                rv));
  EXPECT_EQ(error_code(responses.back()), "InvalidParameterValue");
  auto timeline = control("GET", "/_zonesim/timeline");
  auto exported = app_->export_state().dump();
  EXPECT_NE(exported.find("MasterUserPassword"), std::string::npos);  // the field, masked

  for (const char* secret : {kCreatePassword, kModifyPassword, "bad/pass@word"}) {
    for (auto& r : responses) EXPECT_EQ(r.body.find(secret), std::string::npos) << r.body;
    EXPECT_EQ(timeline.body.find(secret), std::string::npos);
    EXPECT_EQ(exported.find(secret), std::string::npos) << secret;
    EXPECT_EQ(log_.str().find(secret), std::string::npos) << secret;
  }
  // The documents themselves hold no password, and neither does the state file.
  app_.reset();
  std::string stored;
  for (auto& f : std::filesystem::directory_iterator(dir_)) stored += slurp(f.path());
  ASSERT_FALSE(stored.empty());
  EXPECT_NE(stored.find("resilience-platform-db"), std::string::npos);  // the file is the state
  for (const char* secret : {kCreatePassword, kModifyPassword, "bad/pass@word"})
    EXPECT_EQ(stored.find(secret), std::string::npos) << secret << " is in the state file";
}

}  // namespace
}  // namespace zonesim::testing
