// IAM managed policies: the AWS-managed catalogue (read-only) and customer managed policies with
// their versions and tags.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "services/iam/iam_internal.hpp"

namespace zonesim::iam {

namespace {

enum class PolicyView { full, list };

json aws_policy_view(const ManagedPolicyData& p, const Usage& u, PolicyView view) {
  json out = {{"PolicyName", p.name},
              {"PolicyId", p.policy_id},
              {"Arn", aws_managed_policy_arn(p)},
              {"Path", p.path},
              {"DefaultVersionId", p.default_version_id},
              {"AttachmentCount", u.attachments},
              {"PermissionsBoundaryUsageCount", u.boundaries},
              {"IsAttachable", p.is_attachable},
              {"CreateDate", p.create_date_ms},
              {"UpdateDate", p.update_date_ms}};
  if (view == PolicyView::full && *p.description) out["Description"] = p.description;
  return out;
}

json local_policy_view(const json& doc, const Usage& u, PolicyView view) {
  json out = doc;
  out["AttachmentCount"] = u.attachments;
  out["PermissionsBoundaryUsageCount"] = u.boundaries;
  if (view == PolicyView::list) {
    out.erase("Description");
    out.erase("Tags");
  }
  if (out.contains("Tags") && out["Tags"].empty()) out.erase("Tags");
  return out;
}

std::string not_found(const std::string& arn) {
  return "Policy " + arn + " was not found.";
}

PolicyRef existing_policy(Call& call, const std::string& arn) {
  PolicyRef ref = find_policy(call, arn);
  if (!ref.found()) throw_no_such_entity(not_found(arn));
  return ref;
}

// Customer managed policies only: AWS-managed ones belong to AWS, not to the caller's account.
json& local_policy_mut(Call& call, const std::string& arn, const char* action) {
  PolicyRef ref = existing_policy(call, arn);
  if (ref.aws)
    throw AwsError("AccessDenied",
                   "User: arn:aws:iam::" + call.account +
                       ":root is not authorized to perform: iam:" + action +
                       " on resource: policy " + arn,
                   403);
  return *call.env.store.get_mut(call.global_scope(), kPolicyKind, ref.local_id);
}

void check_policy_size(const std::string& document) {
  if (policy_size(document) > kManagedPolicyMaxChars)
    throw_limit_exceeded("Cannot exceed quota for PolicySize: " +
                         std::to_string(kManagedPolicyMaxChars));
}

const json& version_of(const json& policy, const std::string& arn, const std::string& version_id) {
  for (const json& v : policy.at("_versions"))
    if (v.at("VersionId") == version_id) return v;
  throw_no_such_entity("Policy " + arn + " version " + version_id +
                       " does not exist or is not attachable.");
}

void check_version_id(const std::string& v) {
  // v[1-9][0-9]*(\.[A-Za-z0-9-]*)?
  bool ok = v.size() >= 2 && v[0] == 'v' && v[1] >= '1' && v[1] <= '9';
  std::size_t i = 2;
  while (ok && i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  if (ok && i < v.size()) {
    ok = v[i] == '.';
    for (++i; ok && i < v.size(); ++i)
      ok = std::isalnum(static_cast<unsigned char>(v[i])) || v[i] == '-';
  }
  if (!ok)
    throw_validation(
        "versionId", v,
        "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?");
}

json create_policy(Call& call) {
  const json& in = call.input;
  std::string name = in.at("PolicyName");
  check_entity_name("policyName", name, 128);
  std::string path = opt_string(in, "Path", "/");
  check_policy_path("path", path);
  std::string document = in.at("PolicyDocument");
  if (in.contains("Description"))
    check_length("description", in["Description"].get<std::string>(), 0, 1000);
  auto& store = call.env.store;
  if (store.get(call.global_scope(), kPolicyKind, lower(name)))
    throw AwsError("EntityAlreadyExists",
                   "A policy called " + name + " already exists. Duplicate names are not allowed.",
                   409);
  check_policy_document("policyDocument", document, DocumentKind::identity);
  check_policy_size(document);
  std::int64_t now = call.now();
  json policy = {
      {"PolicyName", name},
      {"PolicyId", unique_id(call, "ANPA")},
      {"Arn", policy_arn(call.account, path, name)},
      {"Path", path},
      {"DefaultVersionId", "v1"},
      {"IsAttachable", true},
      {"CreateDate", now},
      {"UpdateDate", now},
      {"_versions",
       json::array({{{"VersionId", "v1"}, {"Document", document}, {"CreateDate", now}}})},
      {"_next_version", 2}};
  if (in.contains("Description")) policy["Description"] = in["Description"];
  if (in.contains("Tags") && !in["Tags"].empty())
    policy["Tags"] = merge_tags(json::array(), in["Tags"]);
  const json& stored = store.put(call.global_scope(), kPolicyKind, lower(name), std::move(policy));
  return {{"Policy", local_policy_view(stored, Usage{}, PolicyView::full)}};
}

json get_policy(Call& call) {
  std::string arn = call.input.at("PolicyArn");
  PolicyRef ref = existing_policy(call, arn);
  auto usage = policy_usage(call);
  if (ref.aws)
    return {{"Policy",
             aws_policy_view(*ref.aws, usage[aws_managed_policy_arn(*ref.aws)], PolicyView::full)}};
  const json& doc = *call.env.store.get(call.global_scope(), kPolicyKind, ref.local_id);
  return {{"Policy",
           local_policy_view(doc, usage[doc.at("Arn").get<std::string>()], PolicyView::full)}};
}

json delete_policy(Call& call) {
  std::string arn = call.input.at("PolicyArn");
  json& policy = local_policy_mut(call, arn, "DeletePolicy");
  Usage u = policy_usage(call)[policy.at("Arn").get<std::string>()];
  if (u.attachments > 0 || u.boundaries > 0)
    throw_delete_conflict("Cannot delete a policy attached to entities.");
  if (policy.at("_versions").size() > 1)
    throw_delete_conflict(
        "This policy has more than one version. Before you delete a policy, you must delete the "
        "policy's versions. The default version is deleted with the policy.");
  call.env.store.erase(call.global_scope(), kPolicyKind,
                       lower(policy.at("PolicyName").get<std::string>()));
  return json::object();
}

json list_policies(Call& call) {
  const json& in = call.input;
  std::string scope = opt_string(in, "Scope", "All");
  bool only_attached = in.value("OnlyAttached", false);
  std::string prefix = opt_string(in, "PathPrefix", "/");
  check_policy_path("pathPrefix", prefix);
  std::string usage_filter = opt_string(in, "PolicyUsageFilter");
  auto usage = policy_usage(call);

  struct Item {
    std::string key;
    json view;
  };
  std::vector<Item> items;
  auto consider = [&](const std::string& name, const std::string& path, const std::string& arn,
                      auto make_view) {
    if (path.rfind(prefix, 0) != 0) return;
    const Usage& u = usage[arn];
    // OnlyAttached counts the usage PolicyUsageFilter names (permissions policy by default).
    if (only_attached &&
        (usage_filter == "PermissionsBoundary" ? u.boundaries : u.attachments) == 0)
      return;
    items.push_back({lower(name) + '\x01' + arn, make_view(u)});
  };
  if (scope == "All" || scope == "AWS")
    for (const ManagedPolicyData& p : managed_policy_catalogue())
      consider(p.name, p.path, aws_managed_policy_arn(p),
               [&](const Usage& u) { return aws_policy_view(p, u, PolicyView::list); });
  if (scope == "All" || scope == "Local")
    for (auto& [id, doc] : call.env.store.list(call.global_scope(), kPolicyKind))
      consider(doc->at("PolicyName").get<std::string>(), doc->at("Path").get<std::string>(),
               doc->at("Arn").get<std::string>(),
               [&, &d = doc](const Usage& u) {  // (clang 14 cannot capture a structured binding)
                 return local_policy_view(*d, u, PolicyView::list);
               });
  std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.key < b.key; });
  std::vector<std::string> keys;
  for (auto& i : items) keys.push_back(i.key);
  Page p = paginate(keys, in);
  json out = {{"Policies", json::array()}};
  for (std::size_t i = p.begin; i < p.end; ++i) out["Policies"].push_back(std::move(items[i].view));
  set_paging(out, p);
  return out;
}

json get_policy_version(Call& call) {
  std::string arn = call.input.at("PolicyArn");
  std::string version_id = call.input.at("VersionId");
  check_version_id(version_id);
  PolicyRef ref = existing_policy(call, arn);
  if (ref.aws) {
    if (version_id != ref.aws->default_version_id)
      throw_no_such_entity("Policy " + arn + " version " + version_id +
                           " does not exist or is not attachable.");
    return {{"PolicyVersion",
             {{"Document", url_encode(ref.aws->document)},
              {"VersionId", ref.aws->default_version_id},
              {"IsDefaultVersion", true},
              {"CreateDate", ref.aws->version_create_date_ms}}}};
  }
  const json& policy = *call.env.store.get(call.global_scope(), kPolicyKind, ref.local_id);
  const json& v = version_of(policy, arn, version_id);
  return {{"PolicyVersion",
           {{"Document", url_encode(v.at("Document").get<std::string>())},
            {"VersionId", v.at("VersionId")},
            {"IsDefaultVersion", v.at("VersionId") == policy.at("DefaultVersionId")},
            {"CreateDate", v.at("CreateDate")}}}};
}

json list_policy_versions(Call& call) {
  std::string arn = call.input.at("PolicyArn");
  PolicyRef ref = existing_policy(call, arn);
  json versions = json::array();
  if (ref.aws) {
    // The catalogue holds the default version only.
    versions.push_back({{"VersionId", ref.aws->default_version_id},
                        {"IsDefaultVersion", true},
                        {"CreateDate", ref.aws->version_create_date_ms}});
  } else {
    const json& policy = *call.env.store.get(call.global_scope(), kPolicyKind, ref.local_id);
    const json& all = policy.at("_versions");
    for (auto it = all.rbegin(); it != all.rend(); ++it)  // newest first
      versions.push_back(
          {{"VersionId", it->at("VersionId")},
           {"IsDefaultVersion", it->at("VersionId") == policy.at("DefaultVersionId")},
           {"CreateDate", it->at("CreateDate")}});
  }
  Page p = paginate(index_keys(versions.size()), call.input);
  json out = {{"Versions", json::array()}};
  for (std::size_t i = p.begin; i < p.end; ++i) out["Versions"].push_back(versions[i]);
  set_paging(out, p);
  return out;
}

json create_policy_version(Call& call) {
  std::string arn = call.input.at("PolicyArn");
  json& policy = local_policy_mut(call, arn, "CreatePolicyVersion");
  std::string document = call.input.at("PolicyDocument");
  check_policy_document("policyDocument", document, DocumentKind::identity);
  check_policy_size(document);
  json& versions = policy["_versions"];
  if (versions.size() >= kPolicyVersionsMax)
    throw_limit_exceeded("A managed policy can have up to " + std::to_string(kPolicyVersionsMax) +
                         " versions. Before you create a new version, you must delete an existing "
                         "version.");
  std::int64_t n = policy.at("_next_version");
  std::string id = "v" + std::to_string(n);
  policy["_next_version"] = n + 1;
  std::int64_t now = call.now();
  versions.push_back({{"VersionId", id}, {"Document", document}, {"CreateDate", now}});
  bool make_default = call.input.value("SetAsDefault", false);
  if (make_default) {
    policy["DefaultVersionId"] = id;
    policy["UpdateDate"] = now;
  }
  return {{"PolicyVersion",
           {{"VersionId", id}, {"IsDefaultVersion", make_default}, {"CreateDate", now}}}};
}

json delete_policy_version(Call& call) {
  std::string arn = call.input.at("PolicyArn");
  std::string version_id = call.input.at("VersionId");
  check_version_id(version_id);
  json& policy = local_policy_mut(call, arn, "DeletePolicyVersion");
  version_of(policy, arn, version_id);
  if (policy.at("DefaultVersionId") == version_id)
    throw_delete_conflict("Cannot delete the default version of a policy.");
  json& versions = policy["_versions"];
  versions.erase(std::find_if(versions.begin(), versions.end(),
                              [&](const json& v) { return v.at("VersionId") == version_id; }));
  return json::object();
}

json set_default_policy_version(Call& call) {
  std::string arn = call.input.at("PolicyArn");
  std::string version_id = call.input.at("VersionId");
  check_version_id(version_id);
  json& policy = local_policy_mut(call, arn, "SetDefaultPolicyVersion");
  version_of(policy, arn, version_id);
  policy["DefaultVersionId"] = version_id;
  policy["UpdateDate"] = call.now();
  return json::object();
}

json tag_policy(Call& call) {
  json& policy = local_policy_mut(call, call.input.at("PolicyArn"), "TagPolicy");
  policy["Tags"] = merge_tags(policy.value("Tags", json::array()), call.input.at("Tags"));
  return json::object();
}

json untag_policy(Call& call) {
  json& policy = local_policy_mut(call, call.input.at("PolicyArn"), "UntagPolicy");
  policy["Tags"] = remove_tags(policy.value("Tags", json::array()), call.input.at("TagKeys"));
  return json::object();
}

json list_policy_tags(Call& call) {
  PolicyRef ref = existing_policy(call, call.input.at("PolicyArn"));
  json tags = json::array();
  if (!ref.aws)
    tags = call.env.store.get(call.global_scope(), kPolicyKind, ref.local_id)
               ->value("Tags", json::array());
  Page p = paginate(index_keys(tags.size()), call.input);
  json out = {{"Tags", json::array()}};
  for (std::size_t i = p.begin; i < p.end; ++i) out["Tags"].push_back(tags[i]);
  set_paging(out, p);
  return out;
}

json list_entities_for_policy(Call& call) {
  const json& in = call.input;
  std::string arn = in.at("PolicyArn");
  PolicyRef ref = existing_policy(call, arn);
  std::string canonical = ref.aws
                              ? aws_managed_policy_arn(*ref.aws)
                              : call.env.store.get(call.global_scope(), kPolicyKind, ref.local_id)
                                    ->at("Arn")
                                    .get<std::string>();
  std::string filter = opt_string(in, "EntityFilter");
  std::string usage = opt_string(in, "PolicyUsageFilter");
  std::string prefix = opt_string(in, "PathPrefix", "/");
  check_role_path("pathPrefix", prefix);
  bool roles_wanted = filter.empty() || filter == "Role" || filter == "LocalManagedPolicy" ||
                      filter == "AWSManagedPolicy";
  std::vector<std::pair<std::string, json>> roles;
  if (roles_wanted) {
    for (auto& [id, role] : call.env.store.list(call.global_scope(), kRoleKind)) {
      if (role->at("Path").get<std::string>().rfind(prefix, 0) != 0) continue;
      bool attached = false, boundary = false;
      for (const json& a : role->value("_attached", json::array())) attached |= a == canonical;
      if (auto b = role->find("PermissionsBoundary"); b != role->end())
        boundary = b->at("PermissionsBoundaryArn") == canonical;
      bool match = usage == "PermissionsPolicy"     ? attached
                   : usage == "PermissionsBoundary" ? boundary
                                                    : attached || boundary;
      if (match)
        roles.emplace_back(
            id, json{{"RoleName", role->at("RoleName")}, {"RoleId", role->at("RoleId")}});
    }
  }
  std::sort(roles.begin(), roles.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<std::string> keys;
  for (auto& r : roles) keys.push_back(r.first);
  Page p = paginate(keys, in);
  json out = {{"PolicyGroups", json::array()},
              {"PolicyUsers", json::array()},
              {"PolicyRoles", json::array()}};
  for (std::size_t i = p.begin; i < p.end; ++i) out["PolicyRoles"].push_back(roles[i].second);
  set_paging(out, p);
  return out;
}

}  // namespace

void register_policy_operations(Registry& r) {
  r.add("iam", "CreatePolicy", create_policy);
  r.add("iam", "GetPolicy", get_policy);
  r.add("iam", "DeletePolicy", delete_policy);
  r.add("iam", "ListPolicies", list_policies);
  r.add("iam", "GetPolicyVersion", get_policy_version);
  r.add("iam", "ListPolicyVersions", list_policy_versions);
  r.add("iam", "CreatePolicyVersion", create_policy_version);
  r.add("iam", "DeletePolicyVersion", delete_policy_version);
  r.add("iam", "SetDefaultPolicyVersion", set_default_policy_version);
  r.add("iam", "TagPolicy", tag_policy);
  r.add("iam", "UntagPolicy", untag_policy);
  r.add("iam", "ListPolicyTags", list_policy_tags);
  r.add("iam", "ListEntitiesForPolicy", list_entities_for_policy);
}

}  // namespace zonesim::iam
