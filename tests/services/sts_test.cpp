#include "tests/support/app_fixture.hpp"

namespace {

using zonesim::testing::AppTest;

constexpr const char* kCall = "Action=GetCallerIdentity&Version=2011-06-15";

class StsTest : public AppTest {};

TEST_F(StsTest, NumericKeyIsThatAccountsRoot) {
  auto r = query("sts", kCall, "111122223333");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//GetCallerIdentityResult/Account"), "111122223333");
  EXPECT_EQ(xpath(r, "//GetCallerIdentityResult/Arn"), "arn:aws:iam::111122223333:root");
  EXPECT_EQ(xpath(r, "//GetCallerIdentityResult/UserId"), "111122223333");
}

TEST_F(StsTest, OtherKeyIsAnIamUserOfTheDefaultAccount) {
  auto r = query("sts", kCall, "test");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//Account"), "123456789012");
  EXPECT_EQ(xpath(r, "//Arn"), "arn:aws:iam::123456789012:user/test");
  std::string id = xpath(r, "//UserId");
  EXPECT_EQ(id.size(), 21u);
  EXPECT_EQ(id.rfind("AIDA", 0), 0u);
  EXPECT_EQ(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
  // Stable for the key (and independent of the simulation's RNG): same answer every time.
  EXPECT_EQ(xpath(query("sts", kCall, "test"), "//UserId"), id);
  reset("", 99);
  EXPECT_EQ(xpath(query("sts", kCall, "test"), "//UserId"), id);
  // A different key is a different user.
  r = query("sts", kCall, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(xpath(r, "//Arn"), "arn:aws:iam::123456789012:user/AKIAIOSFODNN7EXAMPLE");
  EXPECT_NE(xpath(r, "//UserId"), id);
  // Not 12 digits: not an account.
  r = query("sts", kCall, "12345678901");
  EXPECT_EQ(xpath(r, "//Account"), "123456789012");
  EXPECT_EQ(xpath(r, "//Arn"), "arn:aws:iam::123456789012:user/12345678901");
}

}  // namespace
