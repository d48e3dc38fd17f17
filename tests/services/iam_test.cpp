#include <initializer_list>
#include <utility>

#include "emulator/protocol/codec.hpp"
#include "tests/support/app_fixture.hpp"

namespace {

using zonesim::testing::AppTest;
using zonesim::testing::kTestEpoch;

std::string form_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

const std::string kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
// '+', '%', '&', '=' and spaces must survive the form encoding and come back percent-encoded.
const std::string kTrustWithSpecials =
    R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"StringLike": {"aws:SourceArn": "a+b%c&d=e"}}}]})";
const std::string kPolicy =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]})";
const std::string kEcsExec =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

class IamTest : public AppTest {
 protected:
  zonesim::http::Response iam(const std::string& action,
                              std::initializer_list<std::pair<std::string, std::string>> params) {
    std::string body = "Action=" + action + "&Version=2010-05-08";
    for (auto& [k, v] : params) body += "&" + k + "=" + form_escape(v);
    return query("iam", body);
  }
  zonesim::http::Response create_role(const std::string& name, const std::string& path = "/") {
    return iam("CreateRole",
               {{"RoleName", name}, {"Path", path}, {"AssumeRolePolicyDocument", kTrust}});
  }
  static std::string decode(const std::string& s) {
    return zonesim::protocol::percent_decode(s, false);
  }
  static bool doc_has(const zonesim::http::Response& r, const char* path) {
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    return static_cast<bool>(doc.select_node(path).node());
  }
  static std::vector<std::string> texts(const zonesim::http::Response& r, const char* path) {
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    std::vector<std::string> out;
    for (auto& n : doc.select_nodes(path)) out.emplace_back(n.node().text().as_string());
    return out;
  }
};

TEST_F(IamTest, CreateRoleReturnsTheRoleAndGetRoleReadsItBack) {
  auto r = iam("CreateRole", {{"RoleName", "exec"},
                              {"AssumeRolePolicyDocument", kTrust},
                              {"Description", "task execution"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//CreateRoleResult/Role/RoleName"), "exec");
  EXPECT_EQ(xpath(r, "//Role/Path"), "/");
  EXPECT_EQ(xpath(r, "//Role/Arn"), "arn:aws:iam::123456789012:role/exec");
  EXPECT_EQ(xpath(r, "//Role/MaxSessionDuration"), "3600");
  EXPECT_EQ(xpath(r, "//Role/CreateDate"), "2026-01-01T00:00:00.000Z");
  std::string id = xpath(r, "//Role/RoleId");
  EXPECT_EQ(id.size(), 21u);
  EXPECT_EQ(id.rfind("AROA", 0), 0u);
  EXPECT_EQ(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);

  r = iam("GetRole", {{"RoleName", "exec"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//GetRoleResult/Role/RoleId"), id);
  EXPECT_EQ(xpath(r, "//Role/Description"), "task execution");
  EXPECT_TRUE(doc_has(r, "//Role/RoleLastUsed")) << r.body;
  EXPECT_EQ(decode(xpath(r, "//Role/AssumeRolePolicyDocument")), kTrust);
}

TEST_F(IamTest, AssumeRolePolicyIsStoredAsSentAndReturnedUrlEncoded) {
  ASSERT_EQ(iam("CreateRole", {{"RoleName", "r"}, {"AssumeRolePolicyDocument", kTrustWithSpecials}})
                .status,
            200);
  auto r = iam("GetRole", {{"RoleName", "r"}});
  std::string encoded = xpath(r, "//Role/AssumeRolePolicyDocument");
  // Percent-encoded like IAM: no raw JSON punctuation, spaces or '+' left.
  EXPECT_EQ(encoded.find_first_of("{}\" +&=:"), std::string::npos) << encoded;
  EXPECT_NE(encoded.find("%2B"), std::string::npos);
  EXPECT_NE(encoded.find("%25"), std::string::npos);
  EXPECT_EQ(decode(encoded), kTrustWithSpecials);
  // ListRoles returns the same encoding.
  r = iam("ListRoles", {});
  EXPECT_EQ(xpath(r, "//Roles/member/AssumeRolePolicyDocument"), encoded);

  std::string updated =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]})";
  ASSERT_EQ(iam("UpdateAssumeRolePolicy", {{"RoleName", "r"}, {"PolicyDocument", updated}}).status,
            200);
  EXPECT_EQ(decode(xpath(iam("GetRole", {{"RoleName", "r"}}), "//AssumeRolePolicyDocument")),
            updated);
}

TEST_F(IamTest, CreateRoleValidation) {
  ASSERT_EQ(create_role("dup").status, 200);
  auto r = create_role("DUP");  // names are unique regardless of case
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(error_code(r), "EntityAlreadyExists");
  EXPECT_EQ(xpath(r, "//Error/Message"), "Role with name DUP already exists.");

  r = iam("CreateRole", {{"RoleName", "bad"}, {"AssumeRolePolicyDocument", "{not json"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "MalformedPolicyDocument");
  EXPECT_EQ(xpath(r, "//Error/Message"), "This policy contains invalid Json");
  r = iam("CreateRole", {{"RoleName", "bad"}, {"AssumeRolePolicyDocument", kPolicy}});
  EXPECT_EQ(error_code(r), "MalformedPolicyDocument");  // a trust policy needs a Principal

  r = create_role(std::string(65, 'a'));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "ValidationError");
  EXPECT_NE(xpath(r, "//Error/Message").find("Member must have length less than or equal to 64"),
            std::string::npos);
  r = create_role("has space");
  EXPECT_EQ(error_code(r), "ValidationError");
  r = create_role("pathless", "no-slashes");
  EXPECT_EQ(error_code(r), "ValidationError");
  r = iam("CreateRole", {{"RoleName", "short"},
                         {"AssumeRolePolicyDocument", kTrust},
                         {"MaxSessionDuration", "3599"}});
  EXPECT_EQ(error_code(r), "ValidationError");
  r = iam("CreateRole", {{"RoleName", "long"},
                         {"AssumeRolePolicyDocument", kTrust},
                         {"MaxSessionDuration", "43201"}});
  EXPECT_EQ(error_code(r), "ValidationError");
  r = iam("CreateRole", {{"RoleName", "ok"},
                         {"AssumeRolePolicyDocument", kTrust},
                         {"MaxSessionDuration", "43200"},
                         {"Path", "/app/"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//Role/Arn"), "arn:aws:iam::123456789012:role/app/ok");
  EXPECT_EQ(xpath(r, "//Role/MaxSessionDuration"), "43200");

  // Failed creates left nothing behind.
  EXPECT_EQ(texts(iam("ListRoles", {}), "//Roles/member/RoleName"),
            (std::vector<std::string>{"dup", "ok"}));
}

TEST_F(IamTest, MissingRoleIsNoSuchEntity404) {
  for (const char* action : {"GetRole", "DeleteRole", "ListRolePolicies",
                             "ListAttachedRolePolicies", "ListInstanceProfilesForRole"}) {
    auto r = iam(action, {{"RoleName", "ghost"}});
    EXPECT_EQ(r.status, 404) << action;
    EXPECT_EQ(error_code(r), "NoSuchEntity") << action;
    EXPECT_EQ(xpath(r, "//Error/Message"), "The role with name ghost cannot be found.") << action;
  }
}

TEST_F(IamTest, AttachAwsManagedEcsPolicyAndListIt) {
  ASSERT_EQ(create_role("exec").status, 200);
  auto r = iam("AttachRolePolicy", {{"RoleName", "exec"}, {"PolicyArn", kEcsExec}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = iam("ListAttachedRolePolicies", {{"RoleName", "exec"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//AttachedPolicies/member/PolicyName"), "AmazonECSTaskExecutionRolePolicy");
  EXPECT_EQ(xpath(r, "//AttachedPolicies/member/PolicyArn"), kEcsExec);
  EXPECT_EQ(xpath(r, "//IsTruncated"), "false");

  r = iam("GetPolicy", {{"PolicyArn", kEcsExec}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//Policy/Path"), "/service-role/");
  EXPECT_EQ(xpath(r, "//Policy/AttachmentCount"), "1");
  EXPECT_EQ(xpath(r, "//Policy/IsAttachable"), "true");
  EXPECT_EQ(xpath(r, "//Policy/PolicyId"), "ANPAJG4T4G4PV56DE72PY");
  r = iam("GetPolicyVersion", {{"PolicyArn", kEcsExec}, {"VersionId", "v1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = zonesim::json::parse(decode(xpath(r, "//PolicyVersion/Document")));
  EXPECT_EQ(doc["Statement"][0]["Action"][0], "ecr:GetAuthorizationToken");

  r = iam("ListEntitiesForPolicy", {{"PolicyArn", kEcsExec}});
  EXPECT_EQ(xpath(r, "//PolicyRoles/member/RoleName"), "exec");

  // A role with attached policies cannot be deleted; detach, then it can.
  r = iam("DeleteRole", {{"RoleName", "exec"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(error_code(r), "DeleteConflict");
  EXPECT_EQ(xpath(r, "//Error/Message"), "Cannot delete entity, must detach all policies first.");
  ASSERT_EQ(iam("DetachRolePolicy", {{"RoleName", "exec"}, {"PolicyArn", kEcsExec}}).status, 200);
  r = iam("DetachRolePolicy", {{"RoleName", "exec"}, {"PolicyArn", kEcsExec}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "NoSuchEntity");
  EXPECT_EQ(xpath(iam("GetPolicy", {{"PolicyArn", kEcsExec}}), "//AttachmentCount"), "0");
  EXPECT_EQ(iam("DeleteRole", {{"RoleName", "exec"}}).status, 200);
  EXPECT_EQ(iam("GetRole", {{"RoleName", "exec"}}).status, 404);
}

TEST_F(IamTest, CatalogueHasTheAwsManagedPoliciesUnderTheirRealArns) {
  for (const char* arn :
       {"arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
        "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
        "arn:aws:iam::aws:policy/AmazonRDSFullAccess",
        "arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess",
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
        "arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess",
        "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
        "arn:aws:iam::aws:policy/ElasticLoadBalancingFullAccess",
        "arn:aws:iam::aws:policy/AmazonVPCFullAccess",
        "arn:aws:iam::aws:policy/AmazonVPCReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}) {
    auto r = iam("GetPolicy", {{"PolicyArn", arn}});
    ASSERT_EQ(r.status, 200) << arn << r.body;
    EXPECT_EQ(xpath(r, "//Policy/Arn"), arn);
    std::string version = xpath(r, "//Policy/DefaultVersionId");
    r = iam("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", version}});
    ASSERT_EQ(r.status, 200) << arn << r.body;
    auto doc = zonesim::json::parse(decode(xpath(r, "//PolicyVersion/Document")));
    EXPECT_TRUE(doc.contains("Statement")) << arn;
  }
  // Wrong path: not the same policy.
  auto r =
      iam("GetPolicy", {{"PolicyArn", "arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy"}});
  EXPECT_EQ(r.status, 404);
  // ListPolicies Scope=AWS lists the catalogue, paged.
  r = iam("ListPolicies", {{"Scope", "AWS"}, {"MaxItems", "5"}});
  EXPECT_EQ(texts(r, "//Policies/member").size(), 5u);
  EXPECT_EQ(xpath(r, "//IsTruncated"), "true");
}

TEST_F(IamTest, AttachUnknownOrMalformedPolicyArn) {
  ASSERT_EQ(create_role("r").status, 200);
  auto r = iam("AttachRolePolicy",
               {{"RoleName", "r"}, {"PolicyArn", "arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "NoSuchEntity");
  EXPECT_EQ(xpath(r, "//Error/Message"),
            "Policy arn:aws:iam::aws:policy/NoSuchPolicyAnywhere does not exist or is not "
            "attachable.");
  r = iam("AttachRolePolicy", {{"RoleName", "r"}, {"PolicyArn", "not-an-arn-at-all-really"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "InvalidInput");
  r = iam("AttachRolePolicy", {{"RoleName", "ghost"}, {"PolicyArn", kEcsExec}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(xpath(r, "//Error/Message"), "The role with name ghost cannot be found.");
}

TEST_F(IamTest, InlineRolePolicies) {
  ASSERT_EQ(create_role("r").status, 200);
  auto r = iam("PutRolePolicy",
               {{"RoleName", "r"}, {"PolicyName", "logs"}, {"PolicyDocument", kPolicy}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = iam("PutRolePolicy",
          {{"RoleName", "r"}, {"PolicyName", "alpha"}, {"PolicyDocument", kPolicy}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = iam("GetRolePolicy", {{"RoleName", "r"}, {"PolicyName", "logs"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//RoleName"), "r");
  EXPECT_EQ(xpath(r, "//PolicyName"), "logs");
  EXPECT_EQ(decode(xpath(r, "//PolicyDocument")), kPolicy);
  EXPECT_EQ(texts(iam("ListRolePolicies", {{"RoleName", "r"}}), "//PolicyNames/member"),
            (std::vector<std::string>{"alpha", "logs"}));

  r = iam("PutRolePolicy", {{"RoleName", "r"}, {"PolicyName", "p"}, {"PolicyDocument", "[]"}});
  EXPECT_EQ(error_code(r), "MalformedPolicyDocument");
  std::string with_principal =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]})";
  r = iam("PutRolePolicy",
          {{"RoleName", "r"}, {"PolicyName", "p"}, {"PolicyDocument", with_principal}});
  EXPECT_EQ(xpath(r, "//Error/Message"), "Policy document should not specify a principal.");

  r = iam("DeleteRole", {{"RoleName", "r"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(xpath(r, "//Error/Message"), "Cannot delete entity, must delete policies first.");
  EXPECT_EQ(iam("DeleteRolePolicy", {{"RoleName", "r"}, {"PolicyName", "logs"}}).status, 200);
  r = iam("GetRolePolicy", {{"RoleName", "r"}, {"PolicyName", "logs"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(xpath(r, "//Error/Message"), "The role policy with name logs cannot be found.");
  EXPECT_EQ(iam("DeleteRolePolicy", {{"RoleName", "r"}, {"PolicyName", "alpha"}}).status, 200);
  EXPECT_EQ(iam("DeleteRole", {{"RoleName", "r"}}).status, 200);
}

TEST_F(IamTest, ListRolesPagesWithMarkerAndFiltersByPath) {
  for (const char* n : {"e", "b", "d", "a", "c"}) ASSERT_EQ(create_role(n).status, 200);
  ASSERT_EQ(create_role("x", "/svc/").status, 200);
  std::vector<std::string> seen;
  std::string marker;
  int pages = 0;
  do {
    auto r = marker.empty() ? iam("ListRoles", {{"MaxItems", "2"}})
                            : iam("ListRoles", {{"MaxItems", "2"}, {"Marker", marker}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto names = texts(r, "//Roles/member/RoleName");
    EXPECT_LE(names.size(), 2u);
    seen.insert(seen.end(), names.begin(), names.end());
    bool truncated = xpath(r, "//IsTruncated") == "true";
    marker = truncated ? xpath(r, "//ListRolesResult/Marker") : "";
    EXPECT_EQ(truncated, !marker.empty());
    ++pages;
  } while (!marker.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e", "x"}));

  auto r = iam("ListRoles", {{"PathPrefix", "/svc/"}});
  EXPECT_EQ(texts(r, "//Roles/member/RoleName"), (std::vector<std::string>{"x"}));
  EXPECT_EQ(error_code(iam("ListRoles", {{"MaxItems", "0"}})), "ValidationError");
}

TEST_F(IamTest, RoleTagsAndUpdates) {
  auto r = iam("CreateRole", {{"RoleName", "r"},
                              {"AssumeRolePolicyDocument", kTrust},
                              {"Tags.member.1.Key", "env"},
                              {"Tags.member.1.Value", "dev"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//Role/Tags/member/Key"), "env");
  ASSERT_EQ(iam("TagRole", {{"RoleName", "r"},
                            {"Tags.member.1.Key", "ENV"},
                            {"Tags.member.1.Value", "prod"},
                            {"Tags.member.2.Key", "team"},
                            {"Tags.member.2.Value", "core"}})
                .status,
            200);
  r = iam("ListRoleTags", {{"RoleName", "r"}});
  EXPECT_EQ(texts(r, "//Tags/member/Key"), (std::vector<std::string>{"ENV", "team"}));
  EXPECT_EQ(texts(r, "//Tags/member/Value"), (std::vector<std::string>{"prod", "core"}));
  r = iam("TagRole", {{"RoleName", "r"},
                      {"Tags.member.1.Key", "a"},
                      {"Tags.member.1.Value", "1"},
                      {"Tags.member.2.Key", "A"},
                      {"Tags.member.2.Value", "2"}});
  EXPECT_EQ(error_code(r), "InvalidInput");
  ASSERT_EQ(iam("UntagRole", {{"RoleName", "r"}, {"TagKeys.member.1", "env"}}).status, 200);
  EXPECT_EQ(texts(iam("ListRoleTags", {{"RoleName", "r"}}), "//Tags/member/Key"),
            (std::vector<std::string>{"team"}));
  // ListRoles leaves tags out; GetRole has them.
  EXPECT_TRUE(texts(iam("ListRoles", {}), "//Roles/member/Tags/member/Key").empty());
  EXPECT_EQ(xpath(iam("GetRole", {{"RoleName", "r"}}), "//Role/Tags/member/Key"), "team");

  ASSERT_EQ(iam("UpdateRole", {{"RoleName", "r"}, {"MaxSessionDuration", "7200"}}).status, 200);
  r = iam("UpdateRoleDescription", {{"RoleName", "r"}, {"Description", "new"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(xpath(r, "//Role/Description"), "new");
  r = iam("GetRole", {{"RoleName", "r"}});
  EXPECT_EQ(xpath(r, "//Role/MaxSessionDuration"), "7200");
  EXPECT_EQ(xpath(r, "//Role/Description"), "new");
  EXPECT_EQ(error_code(iam("UpdateRole", {{"RoleName", "r"}, {"MaxSessionDuration", "60"}})),
            "ValidationError");
}

TEST_F(IamTest, CustomerManagedPolicyLifecycle) {
  auto r = iam("CreatePolicy", {{"PolicyName", "app"},
                                {"Path", "/team/"},
                                {"PolicyDocument", kPolicy},
                                {"Description", "app access"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string arn = "arn:aws:iam::123456789012:policy/team/app";
  EXPECT_EQ(xpath(r, "//Policy/Arn"), arn);
  EXPECT_EQ(xpath(r, "//Policy/DefaultVersionId"), "v1");
  EXPECT_EQ(xpath(r, "//Policy/AttachmentCount"), "0");
  EXPECT_EQ(xpath(r, "//Policy/PolicyId").rfind("ANPA", 0), 0u);
  r = iam("CreatePolicy", {{"PolicyName", "APP"}, {"PolicyDocument", kPolicy}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(error_code(r), "EntityAlreadyExists");

  // Versions: at most 5; the default cannot be deleted.
  for (int i = 2; i <= 5; ++i) {
    r = iam("CreatePolicyVersion", {{"PolicyArn", arn},
                                    {"PolicyDocument", kPolicy},
                                    {"SetAsDefault", i == 3 ? "true" : "false"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(xpath(r, "//PolicyVersion/VersionId"), "v" + std::to_string(i));
  }
  r = iam("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", kPolicy}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(error_code(r), "LimitExceeded");
  EXPECT_EQ(xpath(iam("GetPolicy", {{"PolicyArn", arn}}), "//DefaultVersionId"), "v3");
  r = iam("ListPolicyVersions", {{"PolicyArn", arn}});
  EXPECT_EQ(texts(r, "//Versions/member/VersionId"),
            (std::vector<std::string>{"v5", "v4", "v3", "v2", "v1"}));
  EXPECT_EQ(texts(r, "//Versions/member/IsDefaultVersion"),
            (std::vector<std::string>{"false", "false", "true", "false", "false"}));
  r = iam("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v3"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(xpath(r, "//Error/Message"), "Cannot delete the default version of a policy.");
  ASSERT_EQ(iam("SetDefaultPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v5"}}).status, 200);
  for (const char* v : {"v1", "v2", "v3", "v4"})
    ASSERT_EQ(iam("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", v}}).status, 200);
  EXPECT_EQ(iam("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}}).status, 404);
  r = iam("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v5"}});
  EXPECT_EQ(decode(xpath(r, "//Document")), kPolicy);
  EXPECT_EQ(xpath(r, "//IsDefaultVersion"), "true");

  // Tags.
  ASSERT_EQ(iam("TagPolicy",
                {{"PolicyArn", arn}, {"Tags.member.1.Key", "k"}, {"Tags.member.1.Value", "v"}})
                .status,
            200);
  EXPECT_EQ(xpath(iam("ListPolicyTags", {{"PolicyArn", arn}}), "//Tags/member/Key"), "k");
  ASSERT_EQ(iam("UntagPolicy", {{"PolicyArn", arn}, {"TagKeys.member.1", "k"}}).status, 200);
  EXPECT_TRUE(texts(iam("ListPolicyTags", {{"PolicyArn", arn}}), "//Tags/member").empty());

  // Attached: counted, listed, not deletable.
  ASSERT_EQ(create_role("r").status, 200);
  ASSERT_EQ(iam("AttachRolePolicy", {{"RoleName", "r"}, {"PolicyArn", arn}}).status, 200);
  r = iam("ListPolicies", {{"Scope", "Local"}, {"OnlyAttached", "true"}});
  EXPECT_EQ(texts(r, "//Policies/member/PolicyName"), (std::vector<std::string>{"app"}));
  EXPECT_EQ(xpath(r, "//Policies/member/AttachmentCount"), "1");
  EXPECT_TRUE(texts(r, "//Policies/member/Description").empty());  // not in list results
  EXPECT_EQ(
      xpath(iam("ListEntitiesForPolicy", {{"PolicyArn", arn}}), "//PolicyRoles/member/RoleName"),
      "r");
  r = iam("DeletePolicy", {{"PolicyArn", arn}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(xpath(r, "//Error/Message"), "Cannot delete a policy attached to entities.");
  ASSERT_EQ(iam("DetachRolePolicy", {{"RoleName", "r"}, {"PolicyArn", arn}}).status, 200);
  EXPECT_TRUE(texts(iam("ListPolicies", {{"Scope", "Local"}, {"OnlyAttached", "true"}}),
                    "//Policies/member")
                  .empty());
  EXPECT_EQ(iam("DeletePolicy", {{"PolicyArn", arn}}).status, 200);
  r = iam("GetPolicy", {{"PolicyArn", arn}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(xpath(r, "//Error/Message"), "Policy " + arn + " was not found.");
}

TEST_F(IamTest, DeletePolicyWithExtraVersionsConflicts) {
  ASSERT_EQ(iam("CreatePolicy", {{"PolicyName", "p"}, {"PolicyDocument", kPolicy}}).status, 200);
  const std::string arn = "arn:aws:iam::123456789012:policy/p";
  ASSERT_EQ(iam("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", kPolicy}}).status,
            200);
  auto r = iam("DeletePolicy", {{"PolicyArn", arn}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(error_code(r), "DeleteConflict");
  // AWS-managed policies belong to AWS.
  r = iam("DeletePolicy", {{"PolicyArn", kEcsExec}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r), "AccessDenied");
}

TEST_F(IamTest, PermissionsBoundaryAndInstanceProfiles) {
  auto r = iam("CreateRole", {{"RoleName", "b"},
                              {"AssumeRolePolicyDocument", kTrust},
                              {"PermissionsBoundary", "arn:aws:iam::aws:policy/ReadOnlyAccess"}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = iam("GetRole", {{"RoleName", "b"}});
  EXPECT_EQ(xpath(r, "//PermissionsBoundary/PermissionsBoundaryArn"),
            "arn:aws:iam::aws:policy/ReadOnlyAccess");
  EXPECT_EQ(xpath(r, "//PermissionsBoundary/PermissionsBoundaryType"), "Policy");
  EXPECT_EQ(xpath(iam("GetPolicy", {{"PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"}}),
                  "//PermissionsBoundaryUsageCount"),
            "1");
  r = iam("CreateRole", {{"RoleName", "c"},
                         {"AssumeRolePolicyDocument", kTrust},
                         {"PermissionsBoundary", "arn:aws:iam::123456789012:policy/none"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(iam("GetRole", {{"RoleName", "c"}}).status, 404);  // rolled back

  r = iam("ListInstanceProfilesForRole", {{"RoleName", "b"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(texts(r, "//InstanceProfiles/member").empty());
  EXPECT_EQ(xpath(r, "//IsTruncated"), "false");
  EXPECT_EQ(iam("ListInstanceProfiles", {}).status, 200);
  ASSERT_EQ(iam("DeleteRolePermissionsBoundary", {{"RoleName", "b"}}).status, 200);
  EXPECT_TRUE(texts(iam("GetRole", {{"RoleName", "b"}}), "//PermissionsBoundary").empty());
}

TEST_F(IamTest, RolesAreGlobalButPerAccount) {
  ASSERT_EQ(create_role("shared-name").status, 200);
  // Another region of the same account sees the role (IAM is global)...
  zonesim::http::Request req;
  req.headers = {{"authorization", auth("iam", "test", "us-east-1")},
                 {"content-type", "application/x-www-form-urlencoded"}};
  req.body = "Action=GetRole&Version=2010-05-08&RoleName=shared-name";
  EXPECT_EQ(app_->handle(req).status, 200);
  // ...another account does not.
  auto r = query("iam", "Action=GetRole&Version=2010-05-08&RoleName=shared-name", "111122223333");
  EXPECT_EQ(r.status, 404);
}

}  // namespace
