// SigV4 verification (serve --auth verify): known-good signatures made by botocore (the AWS CLI's
// signer; tests/unit/sigv4_vectors.py regenerates them), AWS's documented example, tampering,
// clock skew, presigned URLs, the credentials file, and each protocol family's error answers.
#include <gtest/gtest.h>

#include "emulator/protocol/sigv4.hpp"
#include "tests/support/app_fixture.hpp"

namespace zonesim::testing {
namespace {

using protocol::Verdict;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::int64_t kSigned = kTestEpoch;  // the vectors were signed at 2026-01-01T00:00:00Z
constexpr std::int64_t kMinute = 60 * 1000;

struct Vector {
  const char* name;
  const char* method;
  const char* target;
  std::vector<std::pair<std::string, std::string>> headers;
  const char* body;
};

// Output of tests/unit/sigv4_vectors.py (botocore 1.43, credentials AKIDEXAMPLE / kSecret).
const std::vector<Vector>& vectors() {
  static const std::vector<Vector> v = {
      // clang-format off
    {"ec2_form_post", "POST", "/", {
        {"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"x-amz-date", "20260101T000000Z"},
        {"authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-central-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=27a2c4f94b13e7d20268846fa1df14011573e354423393dd4456cc872c7971ba"},
        {"content-length", "88"},
        {"host", "127.0.0.1:4566"},
     }, "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName&Filter.1.Value.1=a+b%2Fc"},
    {"sts_form_post", "POST", "/", {
        {"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"x-amz-date", "20260101T000000Z"},
        {"authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-central-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0db2a09d4a20943377936bacb22496482a7481b5f475b18cbf4cf99d173a758b"},
        {"content-length", "43"},
        {"host", "127.0.0.1:4566"},
     }, "Action=GetCallerIdentity&Version=2011-06-15"},
    {"ecs_json", "POST", "/", {
        {"content-type", "application/x-amz-json-1.1"},
        {"x-amz-target", "AmazonEC2ContainerServiceV20141113.ListClusters"},
        {"x-amz-date", "20260101T000000Z"},
        {"authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-central-1/ecs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=d7057e0bf9041c9f8f9fd6e689efde4db4134da8c5c7b2bb5ef5bf07ecca67dc"},
        {"content-length", "2"},
        {"host", "127.0.0.1:4566"},
     }, "{}"},
    {"ec2_get_query", "GET", "/?Version=2016-11-15&Action=DescribeVpcs&Filter.1.Name=tag%3AName&Filter.1.Value.1=caf%C3%A9%20%2A~x&Filter.1.Value.2=", {
        {"x-amz-date", "20260101T000000Z"},
        {"authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-central-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=ec5b6c7abcab301aa7e61fe696969f3d2b2278e15e86ce538db04d29bd15010f"},
        {"host", "127.0.0.1:4566"},
     }, ""},
    {"spaces_in_header", "POST", "/", {
        {"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"x-amz-meta-note", "  a   lot    of  space  "},
        {"x-amz-date", "20260101T000000Z"},
        {"authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-central-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-meta-note, Signature=345a70062f70beb4614363bee9f2f97bb5da46119f0a465daaf302b972f07d36"},
        {"content-length", "43"},
        {"host", "127.0.0.1:4566"},
     }, "Action=GetCallerIdentity&Version=2011-06-15"},
    {"dot_segments", "GET", "/a/./b/../c//?Action=DescribeVpcs&Version=2016-11-15", {
        {"x-amz-date", "20260101T000000Z"},
        {"authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-central-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=93cae5b35fc3349626848f4de16ef5ee32d20fec27cbd3b54dec8ef046588ab8"},
        {"host", "127.0.0.1:4566"},
     }, ""},
    {"presigned_sts", "GET", "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Feu-central-1%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=55904bf469a5730b0af8441794e49735796218823c82c79c90b84734cea89e10", {
        {"host", "127.0.0.1:4566"},
     }, ""},
      // clang-format on
  };
  return v;
}

http::Request to_request(const Vector& v) {
  http::Request r;
  r.method = v.method;
  r.target = v.target;
  r.headers = v.headers;
  r.body = v.body;
  return r;
}

protocol::Credential credential_of(const http::Request& r) {
  auto auth = r.header("authorization");
  if (!auth.empty()) return *protocol::parse_authorization(auth);
  auto q = r.target.find('?');
  return *protocol::parse_presigned(protocol::parse_form(std::string_view(r.target).substr(q + 1)));
}

protocol::Verification check(const http::Request& r, std::string_view secret = kSecret,
                             std::int64_t now = kSigned) {
  return protocol::verify(r, credential_of(r), secret, now, 15 * kMinute);
}

const Vector& vector(const std::string& name) {
  for (auto& v : vectors())
    if (v.name == name) return v;
  throw std::runtime_error("no vector " + name);
}

TEST(Sigv4Verify, BotocoreSignaturesVerify) {
  for (auto& v : vectors()) {
    auto r = check(to_request(v));
    EXPECT_EQ(r.verdict, Verdict::ok) << v.name << ": " << r.message;
  }
}

TEST(Sigv4Verify, AwsDocumentedExample) {
  // The IAM ListUsers example of AWS's SigV4 documentation (2015-08-30, us-east-1).
  http::Request r;
  r.method = "GET";
  r.target = "/?Action=ListUsers&Version=2010-05-08";
  r.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"host", "iam.amazonaws.com"},
               {"x-amz-date", "20150830T123600Z"},
               {"authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date, "
                "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"}};
  auto t = protocol::parse_amz_date("20150830T123600Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(check(r, kSecret, *t).verdict, Verdict::ok);
  EXPECT_EQ(protocol::canonical_request(r, credential_of(r), protocol::sha256_hex("")),
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sigv4Verify, CanonicalFormsOfPathQueryAndHeaders) {
  auto q = to_request(vector("ec2_get_query"));
  auto cq = protocol::canonical_request(q, credential_of(q), "-");
  // Sorted by encoded name; decoded, then re-encoded strictly (space %20, '*' %2A, '~' kept).
  EXPECT_NE(
      cq.find("\nAction=DescribeVpcs&Filter.1.Name=tag%3AName&Filter.1.Value.1=caf%C3%A9%20%2A~x"
              "&Filter.1.Value.2=&Version=2016-11-15\n"),
      std::string::npos)
      << cq;
  auto d = to_request(vector("dot_segments"));
  EXPECT_EQ(protocol::canonical_request(d, credential_of(d), "-").substr(0, 11), "GET\n/a/c/\nA");
  auto s = to_request(vector("spaces_in_header"));
  EXPECT_NE(protocol::canonical_request(s, credential_of(s), "-")
                .find("\nx-amz-meta-note:a lot of space\n"),
            std::string::npos);
  EXPECT_EQ(protocol::uri_encode("a b/c~é", false), "a%20b%2Fc~%C3%A9");
  EXPECT_EQ(protocol::uri_encode("/a b/", true), "/a%20b/");
}

TEST(Sigv4Verify, TamperingIsAMismatch) {
  auto base = to_request(vector("ec2_form_post"));
  EXPECT_EQ(check(base, "wrong-secret").verdict, Verdict::mismatch);

  auto body = base;
  body.body = "Action=DescribeVpcs&Version=2016-11-15";
  EXPECT_EQ(check(body).verdict, Verdict::mismatch);

  auto host = base;
  for (auto& [k, v] : host.headers)
    if (k == "host") v = "127.0.0.1:4567";
  EXPECT_EQ(check(host).verdict, Verdict::mismatch);

  auto path = base;
  path.target = "/x";
  EXPECT_EQ(check(path).verdict, Verdict::mismatch);

  auto unsigned_header = base;  // a header outside SignedHeaders may change freely
  unsigned_header.headers.emplace_back("user-agent", "anything");
  EXPECT_EQ(check(unsigned_header).verdict, Verdict::ok);

  auto declared = base;  // a declared payload hash must be the body's
  declared.headers.emplace_back("x-amz-content-sha256", protocol::sha256_hex("other"));
  EXPECT_EQ(check(declared).verdict, Verdict::mismatch);

  auto presigned = to_request(vector("presigned_sts"));
  presigned.target += "&Extra=1";
  EXPECT_EQ(check(presigned).verdict, Verdict::mismatch);
}

TEST(Sigv4Verify, ClockSkewAndExpiry) {
  auto r = to_request(vector("sts_form_post"));
  EXPECT_EQ(check(r, kSecret, kSigned + 15 * kMinute).verdict, Verdict::ok);
  auto late = check(r, kSecret, kSigned + 16 * kMinute);
  EXPECT_EQ(late.verdict, Verdict::expired);
  EXPECT_EQ(late.message,
            "Signature expired: 20260101T000000Z is now earlier than 20260101T000100Z "
            "(20260101T001600Z - 15 min.)");
  auto early = check(r, kSecret, kSigned - 16 * kMinute);
  EXPECT_EQ(early.verdict, Verdict::not_yet_current);
  EXPECT_EQ(early.message,
            "Signature not yet current: 20260101T000000Z is still later than 20251231T235900Z "
            "(20251231T234400Z + 15 min.)");
  // A wrong secret is reported as such even when the clock is off too.
  EXPECT_EQ(check(r, "nope", kSigned + 60 * kMinute).verdict, Verdict::mismatch);

  auto p = to_request(vector("presigned_sts"));  // X-Amz-Expires=300
  EXPECT_EQ(check(p, kSecret, kSigned + 300 * 1000).verdict, Verdict::ok);
  EXPECT_EQ(check(p, kSecret, kSigned + 301 * 1000).verdict, Verdict::expired);
}

TEST(Sigv4Verify, DatesMustBePresentWellFormedAndMatchTheScope) {
  auto r = to_request(vector("sts_form_post"));
  auto no_date = r;
  std::erase_if(no_date.headers, [](auto& h) { return h.first == "x-amz-date"; });
  EXPECT_EQ(check(no_date).verdict, Verdict::missing_date);
  auto bad = r;
  for (auto& [k, v] : bad.headers)
    if (k == "x-amz-date") v = "2026-01-01T00:00:00Z";
  EXPECT_EQ(check(bad).verdict, Verdict::bad_date);
  auto other_day = r;
  for (auto& [k, v] : other_day.headers)
    if (k == "x-amz-date") v = "20260102T000000Z";
  auto m = check(other_day, kSecret, kSigned + 24 * 60 * kMinute);
  EXPECT_EQ(m.verdict, Verdict::scope_date_mismatch);
  EXPECT_NE(m.message.find("'20260101' != '20260102'"), std::string::npos) << m.message;
}

TEST(Sigv4Credentials, ParsesTheSharedCredentialsFormat) {
  auto k = protocol::parse_credentials(
      "# comment\n[default]\naws_access_key_id = AKIAONE\naws_secret_access_key=s1\r\n"
      "region = eu-central-1\n\n[other]\n; another comment\naws_access_key_id=AKIATWO\n"
      "aws_secret_access_key = s2/x+y\naws_account_id = 111122223333\n[config-only]\nregion=x\n",
      "creds");
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k.at("AKIAONE").secret, "s1");
  EXPECT_EQ(k.at("AKIAONE").account, "");
  EXPECT_EQ(k.at("AKIATWO").secret, "s2/x+y");
  EXPECT_EQ(k.at("AKIATWO").account, "111122223333");

  auto error = [](const std::string& text) {
    try {
      protocol::parse_credentials(text, "f");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("[a]\naws_access_key_id=K\n"), "f:1: profile [a] has no aws_secret_access_key");
  EXPECT_EQ(error("[a]\naws_access_key_id=K\naws_secret_access_key=s\naws_account_id=12\n"),
            "f:4: aws_account_id must be 12 digits");
  EXPECT_EQ(error("[a]\naws_access_key_id=K\naws_secret_access_key=s\n"
                  "[b]\naws_access_key_id=K\naws_secret_access_key=t\n"),
            "f:4: profile [b]: access key K is configured twice");
  EXPECT_EQ(error("aws_access_key_id=K\n"), "f:1: setting outside a [profile] section");
  EXPECT_EQ(error("[a\n"), "f:1: unclosed [section");
  EXPECT_EQ(error(""), "f: no key pairs");
}

// The whole pipeline with --auth verify.
class VerifyAppTest : public AppTest {
 protected:
  void SetUp() override {
    Config c;
    c.clock_mode = "manual";
    c.verify_signatures = true;
    c.key_pairs = protocol::parse_credentials(
        std::string("[a]\naws_access_key_id=AKIDEXAMPLE\naws_secret_access_key=") + kSecret +
            "\n[b]\naws_access_key_id=AKIABBBB\naws_secret_access_key=other\n"
            "aws_account_id=444455556666\n",
        "test");
    c.auth_clock = [this] { return wall_ms_; };
    app_ = std::make_unique<App>(c, "", kTestEpoch);
  }

  // Signs like an SDK: host and x-amz-date (plus content-type / x-amz-target when present).
  http::Request signed_request(const std::string& service, http::Request r, const std::string& key,
                               const std::string& secret) {
    std::string date = protocol::format_amz_date(sign_at_);
    r.headers.emplace_back("host", "127.0.0.1:4566");
    r.headers.emplace_back("x-amz-date", date);
    protocol::Credential c;
    c.access_key = key, c.date = date.substr(0, 8), c.region = "eu-central-1", c.service = service;
    for (auto& [k, v] : r.headers) c.signed_headers.push_back(k);
    std::sort(c.signed_headers.begin(), c.signed_headers.end());
    auto sts = protocol::string_to_sign(
        c, date, protocol::canonical_request(r, c, protocol::sha256_hex(r.body)));
    std::string names;
    for (auto& h : c.signed_headers) names += (names.empty() ? "" : ";") + h;
    r.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=" + key + "/" + c.date +
                                                "/eu-central-1/" + service +
                                                "/aws4_request, SignedHeaders=" + names +
                                                ", Signature=" + protocol::sign(secret, c, sts));
    return r;
  }
  http::Response form(const std::string& service, const std::string& body,
                      const std::string& key = "AKIDEXAMPLE", const std::string& secret = kSecret) {
    http::Request r;
    r.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.body = body;
    return app_->handle(signed_request(service, r, key, secret));
  }
  http::Response ecs(const std::string& key = "AKIDEXAMPLE", const std::string& secret = kSecret) {
    http::Request r;
    r.headers = {{"content-type", "application/x-amz-json-1.1"},
                 {"x-amz-target", "AmazonEC2ContainerServiceV20141113.ListClusters"}};
    r.body = "{}";
    return app_->handle(signed_request("ecs", r, key, secret));
  }

  std::int64_t wall_ms_ = kSigned;
  std::int64_t sign_at_ = kSigned;
};

constexpr char kVpcs[] = "Action=DescribeVpcs&Version=2016-11-15";
constexpr char kWhoAmI[] = "Action=GetCallerIdentity&Version=2011-06-15";
constexpr char kRoles[] = "Action=ListRoles&Version=2010-05-08";

TEST_F(VerifyAppTest, GoodSignaturesPassAndTheKeyPairNamesTheAccount) {
  EXPECT_EQ(form("ec2", kVpcs).status, 200);
  EXPECT_EQ(ecs().status, 200);
  auto me = form("sts", kWhoAmI);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(xpath(me, "//Account"), "123456789012");  // no aws_account_id: the default rule
  auto b = form("sts", kWhoAmI, "AKIABBBB", "other");
  EXPECT_EQ(xpath(b, "//Account"), "444455556666");
  // botocore's own request (a vector) passes the whole pipeline too.
  auto v = to_request(vector("ecs_json"));
  EXPECT_EQ(app_->handle(v).status, 200) << app_->handle(v).body;
}

TEST_F(VerifyAppTest, EachProtocolFamilyAnswersAsAws) {
  struct Case {
    http::Response r;
    int status;
    const char* code;
  };
  std::vector<Case> cases = {
      {form("ec2", kVpcs, "AKIAUNKNOWN", "x"), 401, "AuthFailure"},
      {form("ec2", kVpcs, "AKIDEXAMPLE", "wrong"), 401, "AuthFailure"},
      {form("sts", kWhoAmI, "AKIAUNKNOWN", "x"), 403, "InvalidClientTokenId"},
      {form("sts", kWhoAmI, "AKIDEXAMPLE", "wrong"), 403, "SignatureDoesNotMatch"},
      {form("iam", kRoles, "AKIAUNKNOWN", "x"), 403, "InvalidClientTokenId"},
      {form("iam", kRoles, "AKIDEXAMPLE", "wrong"), 403, "SignatureDoesNotMatch"},
      {ecs("AKIAUNKNOWN", "x"), 400, "UnrecognizedClientException"},
      {ecs("AKIDEXAMPLE", "wrong"), 400, "InvalidSignatureException"},
  };
  for (auto& c : cases) {
    EXPECT_EQ(c.r.status, c.status) << c.code << ": " << c.r.body;
    EXPECT_EQ(error_code(c.r), c.code) << c.r.body;
  }
  // Today's unsigned-but-parsed shortcut ("Signature=0") no longer gets in.
  auto shortcut = query("ec2", kVpcs, "AKIDEXAMPLE");
  EXPECT_EQ(error_code(shortcut), "IncompleteSignature") << shortcut.body;  // no X-Amz-Date
}

TEST_F(VerifyAppTest, SkewedClocksAreRejectedPerService) {
  wall_ms_ = kSigned + 16 * kMinute;
  auto ec2 = form("ec2", kVpcs);
  EXPECT_EQ(ec2.status, 400);
  EXPECT_EQ(error_code(ec2), "RequestExpired");
  auto sts = form("sts", kWhoAmI);
  EXPECT_EQ(sts.status, 403);
  EXPECT_EQ(error_code(sts), "SignatureDoesNotMatch");
  EXPECT_NE(xpath(sts, "//Error/Message").find("Signature expired: 20260101T000000Z"),
            std::string::npos);
  // ECS allows 5 minutes.
  wall_ms_ = kSigned + 6 * kMinute;
  auto e = ecs();
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(error_code(e), "InvalidSignatureException");
  EXPECT_NE(json::parse(e.body).value("message", "").find("- 5 min."), std::string::npos) << e.body;
  EXPECT_EQ(form("sts", kWhoAmI).status, 200);  // 6 minutes is fine for STS
  // Sim time is irrelevant: advancing it a week changes nothing.
  app_->advance_by(7LL * 24 * 60 * kMinute);
  wall_ms_ = kSigned;
  EXPECT_EQ(form("sts", kWhoAmI).status, 200);
}

TEST_F(VerifyAppTest, PresignedUrlsVerify) {
  http::Request p = to_request(vector("presigned_sts"));
  auto r = app_->handle(p);
  ASSERT_EQ(r.status, 200) << r.body;
  wall_ms_ = kSigned + 301 * 1000;
  r = app_->handle(p);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r), "SignatureDoesNotMatch");
}

TEST_F(VerifyAppTest, RejectedCallsChangeNothing) {
  auto r = form("ec2", "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16", "AKIDEXAMPLE",
                "wrong");
  EXPECT_EQ(r.status, 401);
  auto vpcs = form("ec2", kVpcs);
  EXPECT_EQ(xpath(vpcs, "//vpcSet/item/vpcId"), "") << vpcs.body;
  EXPECT_EQ(app_->export_state()["calls"].size(), 1u);  // the DescribeVpcs just made
}

// --control-token
class ControlTokenTest : public AppTest {
 protected:
  void SetUp() override {
    Config c;
    c.clock_mode = "manual";
    c.control_token = "s3cret-token";
    app_ = std::make_unique<App>(c, "", kTestEpoch);
  }
  http::Response call(const std::string& method, const std::string& target,
                      const std::string& authorization = "") {
    http::Request r;
    r.method = method;
    r.target = target;
    if (!authorization.empty()) r.headers.emplace_back("authorization", authorization);
    return app_->handle(r);
  }
};

TEST_F(ControlTokenTest, EveryControlEndpointButHealthWantsTheToken) {
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/_zonesim/clock"},
           {"POST", "/_zonesim/clock/advance"},
           {"GET", "/_zonesim/zones"},
           {"POST", "/_zonesim/zones/eu-central-1a/fail"},
           {"POST", "/_zonesim/faults"},
           {"GET", "/_zonesim/timeline"},
           {"GET", "/_zonesim/state"},
           {"POST", "/_zonesim/state"},
           {"POST", "/_zonesim/reset"},
           {"GET", "/_zonesim/coverage"},
           {"GET", "/_zonesim/nonexistent"},
           {"GET", "/_zonesim?x"}}) {
    for (const char* bad : {"", "Bearer wrong", "Bearer s3cret-token ", "bearer s3cret-token",
                            "Basic czNjcmV0LXRva2Vu", "Bearer s3cret-toke"}) {
      auto r = call(method, target, bad);
      EXPECT_EQ(r.status, 401) << method << " " << target << " with '" << bad << "'";
      EXPECT_EQ(json::parse(r.body)["error"]["code"], "Unauthorized");
    }
  }
  EXPECT_EQ(call("GET", "/_zonesim/clock", "Bearer s3cret-token").status, 200);
  EXPECT_EQ(call("POST", "/_zonesim/reset", "Bearer s3cret-token").status, 200);
  EXPECT_EQ(call("GET", "/_zonesim/health").status, 200);
  // The AWS APIs are not the control API: SigV4 as usual.
  EXPECT_EQ(query("ec2", kVpcs).status, 200);
  // A rejected mutation did nothing: the zone is still up.
  call("POST", "/_zonesim/zones/eu-central-1a/fail", "Bearer nope");
  auto zones = json::parse(call("GET", "/_zonesim/zones", "Bearer s3cret-token").body);
  EXPECT_EQ(zones.dump().find("power"), std::string::npos) << zones.dump();
}

}  // namespace
}  // namespace zonesim::testing
