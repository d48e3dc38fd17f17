// IAM roles: lifecycle, tags, inline policies, managed policy attachments.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "services/iam/iam_internal.hpp"

namespace zonesim::iam {

namespace {

enum class RoleView { create, get, list };

// A stored role as an operation returns it. The trust policy is kept as sent and returned
// URL-encoded, as IAM does.
json role_view(const json& doc, RoleView view) {
  json out = doc;
  out["AssumeRolePolicyDocument"] = url_encode(doc.at("_trust").get<std::string>());
  if (view == RoleView::list) {
    // "IAM resource-listing operations return a subset of the available attributes."
    out.erase("Tags");
    out.erase("PermissionsBoundary");
  } else if (view == RoleView::get) {
    json last_used = json::object();
    if (auto it = doc.find("_last_used"); it != doc.end()) last_used = *it;
    out["RoleLastUsed"] = last_used;
  }
  if (out.contains("Tags") && out["Tags"].empty()) out.erase("Tags");
  return out;
}

std::string role_not_found(const std::string& name) {
  return "The role with name " + name + " cannot be found.";
}

const json& get_role(Call& call, const std::string& name) {
  check_entity_name("roleName", name, 64);
  const json* doc = call.env.store.get(call.global_scope(), kRoleKind, lower(name));
  if (!doc) throw_no_such_entity(role_not_found(name));
  return *doc;
}

json& get_role_mut(Call& call, const std::string& name) {
  check_entity_name("roleName", name, 64);
  json* doc = call.env.store.get_mut(call.global_scope(), kRoleKind, lower(name));
  if (!doc) throw_no_such_entity(role_not_found(name));
  return *doc;
}

void check_trust_policy(const std::string& document) {
  check_policy_document("assumeRolePolicyDocument", document, DocumentKind::trust);
  if (policy_size(document) > kTrustPolicyMaxChars)
    throw_limit_exceeded("Cannot exceed quota for ACLSizePerRole: " +
                         std::to_string(kTrustPolicyMaxChars));
}

json boundary_for(Call& call, const std::string& arn) {
  check_length("permissionsBoundary", arn, 20, 2048);
  PolicyRef ref = find_policy(call, arn);
  if (!ref.found())
    throw_no_such_entity("Scope ARN: " + arn + " does not exist or is not attachable.");
  return {{"PermissionsBoundaryType", "Policy"}, {"PermissionsBoundaryArn", arn}};
}

json create_role(Call& call) {
  const json& in = call.input;
  std::string name = in.at("RoleName");
  check_entity_name("roleName", name, 64);
  std::string path = opt_string(in, "Path", "/");
  check_role_path("path", path);
  std::string trust = in.at("AssumeRolePolicyDocument");
  std::int64_t max_session = in.value("MaxSessionDuration", std::int64_t{3600});
  check_range("maxSessionDuration", max_session, 3600, 43200);
  if (in.contains("Description"))
    check_description("description", in["Description"].get<std::string>());

  auto& store = call.env.store;
  if (store.get(call.global_scope(), kRoleKind, lower(name)))
    throw AwsError("EntityAlreadyExists", "Role with name " + name + " already exists.", 409);
  check_trust_policy(trust);

  json role = {{"RoleName", name},
               {"RoleId", unique_id(call, "AROA")},
               {"Arn", role_arn(call.account, path, name)},
               {"Path", path},
               {"CreateDate", call.now()},
               {"MaxSessionDuration", max_session},
               {"_trust", trust},
               {"_attached", json::array()},
               {"_inline", json::object()}};
  if (in.contains("Description")) role["Description"] = in["Description"];
  if (in.contains("PermissionsBoundary"))
    role["PermissionsBoundary"] = boundary_for(call, in["PermissionsBoundary"].get<std::string>());
  if (in.contains("Tags") && !in["Tags"].empty())
    role["Tags"] = merge_tags(json::array(), in["Tags"]);
  const json& stored = store.put(call.global_scope(), kRoleKind, lower(name), std::move(role));
  return {{"Role", role_view(stored, RoleView::create)}};
}

json get_role_op(Call& call) {
  return {{"Role", role_view(get_role(call, call.input.at("RoleName")), RoleView::get)}};
}

json update_role(Call& call) {
  json& role = get_role_mut(call, call.input.at("RoleName"));
  if (auto it = call.input.find("MaxSessionDuration"); it != call.input.end()) {
    check_range("maxSessionDuration", it->get<std::int64_t>(), 3600, 43200);
    role["MaxSessionDuration"] = *it;
  }
  if (auto it = call.input.find("Description"); it != call.input.end()) {
    check_description("description", it->get<std::string>());
    role["Description"] = *it;
  }
  return json::object();
}

json update_role_description(Call& call) {
  json& role = get_role_mut(call, call.input.at("RoleName"));
  std::string description = opt_string(call.input, "Description");
  check_description("description", description);
  role["Description"] = description;
  return {{"Role", role_view(role, RoleView::get)}};
}

json update_assume_role_policy(Call& call) {
  json& role = get_role_mut(call, call.input.at("RoleName"));
  std::string trust = call.input.at("PolicyDocument");
  check_trust_policy(trust);
  role["_trust"] = trust;
  return json::object();
}

json delete_role(Call& call) {
  const json& role = get_role(call, call.input.at("RoleName"));
  // zonesim has no instance profiles yet, so no role can be in one.
  if (!role.value("_attached", json::array()).empty())
    throw_delete_conflict("Cannot delete entity, must detach all policies first.");
  if (!role.value("_inline", json::object()).empty())
    throw_delete_conflict("Cannot delete entity, must delete policies first.");
  call.env.store.erase(call.global_scope(), kRoleKind,
                       lower(role.at("RoleName").get<std::string>()));
  return json::object();
}

json list_roles(Call& call) {
  std::string prefix = opt_string(call.input, "PathPrefix", "/");
  check_path_prefix("pathPrefix", prefix);
  std::vector<std::pair<std::string, const json*>> roles;
  for (auto& [id, doc] : call.env.store.list(call.global_scope(), kRoleKind))
    if (doc->at("Path").get<std::string>().rfind(prefix, 0) == 0) roles.emplace_back(id, doc);
  std::sort(roles.begin(), roles.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<std::string> keys;
  for (auto& r : roles) keys.push_back(r.first);
  Page p = paginate(keys, call.input);
  json out = {{"Roles", json::array()}};
  for (std::size_t i = p.begin; i < p.end; ++i)
    out["Roles"].push_back(role_view(*roles[i].second, RoleView::list));
  set_paging(out, p);
  return out;
}

json tag_role(Call& call) {
  json& role = get_role_mut(call, call.input.at("RoleName"));
  role["Tags"] = merge_tags(role.value("Tags", json::array()), call.input.at("Tags"));
  return json::object();
}

json untag_role(Call& call) {
  json& role = get_role_mut(call, call.input.at("RoleName"));
  role["Tags"] = remove_tags(role.value("Tags", json::array()), call.input.at("TagKeys"));
  return json::object();
}

json list_role_tags(Call& call) {
  const json& role = get_role(call, call.input.at("RoleName"));
  json tags = role.value("Tags", json::array());
  Page p = paginate(index_keys(tags.size()), call.input);
  json out = {{"Tags", json::array()}};
  for (std::size_t i = p.begin; i < p.end; ++i) out["Tags"].push_back(tags[i]);
  set_paging(out, p);
  return out;
}

// Inline policies are kept in the role under their lower-cased names.
json put_role_policy(Call& call) {
  json& role = get_role_mut(call, call.input.at("RoleName"));
  std::string name = call.input.at("PolicyName");
  check_entity_name("policyName", name, 128);
  std::string document = call.input.at("PolicyDocument");
  check_policy_document("policyDocument", document, DocumentKind::identity);
  json& inline_policies = role["_inline"];
  std::size_t total = policy_size(document);
  for (auto& [k, v] : inline_policies.items())
    if (k != lower(name)) total += policy_size(v.at("PolicyDocument").get<std::string>());
  if (total > kRoleInlinePoliciesMaxChars)
    throw_limit_exceeded("Maximum policy size of " + std::to_string(kRoleInlinePoliciesMaxChars) +
                         " bytes exceeded for role " + role.at("RoleName").get<std::string>());
  inline_policies[lower(name)] = {{"PolicyName", name}, {"PolicyDocument", document}};
  return json::object();
}

const json& inline_policy(const json& role, const std::string& name) {
  check_entity_name("policyName", name, 128);
  const json& inline_policies = role.at("_inline");
  auto it = inline_policies.find(lower(name));
  if (it == inline_policies.end())
    throw_no_such_entity("The role policy with name " + name + " cannot be found.");
  return *it;
}

json get_role_policy(Call& call) {
  const json& role = get_role(call, call.input.at("RoleName"));
  const json& p = inline_policy(role, call.input.at("PolicyName"));
  return {{"RoleName", role.at("RoleName")},
          {"PolicyName", p.at("PolicyName")},
          {"PolicyDocument", url_encode(p.at("PolicyDocument").get<std::string>())}};
}

json delete_role_policy(Call& call) {
  json& role = get_role_mut(call, call.input.at("RoleName"));
  const json& p = inline_policy(role, call.input.at("PolicyName"));
  role["_inline"].erase(lower(p.at("PolicyName").get<std::string>()));
  return json::object();
}

json list_role_policies(Call& call) {
  const json& role = get_role(call, call.input.at("RoleName"));
  std::vector<std::string> keys, names;
  for (auto& [k, v] : role.at("_inline").items()) {  // sorted by lower-cased name
    keys.push_back(k);
    names.push_back(v.at("PolicyName").get<std::string>());
  }
  Page p = paginate(keys, call.input);
  json out = {{"PolicyNames", json::array()}};
  for (std::size_t i = p.begin; i < p.end; ++i) out["PolicyNames"].push_back(names[i]);
  set_paging(out, p);
  return out;
}

// The name and path of a policy an ARN refers to.
std::pair<std::string, std::string> policy_name_path(Call& call, const PolicyRef& ref) {
  if (ref.aws) return {ref.aws->name, ref.aws->path};
  const json* p = call.env.store.get(call.global_scope(), kPolicyKind, ref.local_id);
  return {p->at("PolicyName").get<std::string>(), p->at("Path").get<std::string>()};
}

json attach_role_policy(Call& call) {
  std::string name = call.input.at("RoleName");
  get_role(call, name);  // NoSuchEntity for the role first
  std::string arn = call.input.at("PolicyArn");
  PolicyRef ref = find_policy(call, arn);
  if (!ref.found()) throw_no_such_entity("Policy " + arn + " does not exist or is not attachable.");
  if (ref.aws && !ref.aws->is_attachable)
    throw AwsError("PolicyNotAttachable",
                   "Service role policies can only be attached to the service-linked role for "
                   "that service.",
                   400);
  json& role = get_role_mut(call, name);
  json& attached = role["_attached"];
  std::string canonical = ref.aws
                              ? aws_managed_policy_arn(*ref.aws)
                              : call.env.store.get(call.global_scope(), kPolicyKind, ref.local_id)
                                    ->at("Arn")
                                    .get<std::string>();
  if (std::find(attached.begin(), attached.end(), canonical) != attached.end())
    return json::object();  // attaching twice is a no-op, as in IAM
  if (attached.size() >= kManagedPoliciesPerRole)
    throw_limit_exceeded("Cannot exceed quota for PoliciesPerRole: " +
                         std::to_string(kManagedPoliciesPerRole));
  attached.push_back(canonical);
  return json::object();
}

json detach_role_policy(Call& call) {
  json& role = get_role_mut(call, call.input.at("RoleName"));
  std::string arn = call.input.at("PolicyArn");
  find_policy(call, arn);  // InvalidInput for a malformed ARN
  json& attached = role["_attached"];
  auto it = std::find_if(attached.begin(), attached.end(),
                         [&](const json& a) { return lower(a.get<std::string>()) == lower(arn); });
  if (it == attached.end()) throw_no_such_entity("Policy " + arn + " was not found.");
  attached.erase(it);
  return json::object();
}

json list_attached_role_policies(Call& call) {
  const json& role = get_role(call, call.input.at("RoleName"));
  std::string prefix = opt_string(call.input, "PathPrefix", "/");
  check_policy_path("pathPrefix", prefix);
  json items = json::array();  // in attachment order
  for (const json& a : role.at("_attached")) {
    PolicyRef ref = find_policy(call, a.get<std::string>());
    if (!ref.found()) continue;
    auto [name, path] = policy_name_path(call, ref);
    if (path.rfind(prefix, 0) != 0) continue;
    items.push_back({{"PolicyName", name}, {"PolicyArn", a}});
  }
  Page p = paginate(index_keys(items.size()), call.input);
  json out = {{"AttachedPolicies", json::array()}};
  for (std::size_t i = p.begin; i < p.end; ++i) out["AttachedPolicies"].push_back(items[i]);
  set_paging(out, p);
  return out;
}

json put_role_permissions_boundary(Call& call) {
  json& role = get_role_mut(call, call.input.at("RoleName"));
  role["PermissionsBoundary"] = boundary_for(call, call.input.at("PermissionsBoundary"));
  return json::object();
}

json delete_role_permissions_boundary(Call& call) {
  json& role = get_role_mut(call, call.input.at("RoleName"));
  role.erase("PermissionsBoundary");
  return json::object();
}

json list_instance_profiles_for_role(Call& call) {
  get_role(call, call.input.at("RoleName"));
  Page p = paginate({}, call.input);  // zonesim has no instance profiles yet
  json out = {{"InstanceProfiles", json::array()}};
  set_paging(out, p);
  return out;
}

json list_instance_profiles(Call& call) {
  check_path_prefix("pathPrefix", opt_string(call.input, "PathPrefix", "/"));
  Page p = paginate({}, call.input);
  json out = {{"InstanceProfiles", json::array()}};
  set_paging(out, p);
  return out;
}

}  // namespace

void register_role_operations(Registry& r) {
  r.add("iam", "CreateRole", create_role);
  r.add("iam", "GetRole", get_role_op);
  r.add("iam", "UpdateRole", update_role);
  r.add("iam", "UpdateRoleDescription", update_role_description);
  r.add("iam", "UpdateAssumeRolePolicy", update_assume_role_policy);
  r.add("iam", "DeleteRole", delete_role);
  r.add("iam", "ListRoles", list_roles);
  r.add("iam", "TagRole", tag_role);
  r.add("iam", "UntagRole", untag_role);
  r.add("iam", "ListRoleTags", list_role_tags);
  r.add("iam", "PutRolePolicy", put_role_policy);
  r.add("iam", "GetRolePolicy", get_role_policy);
  r.add("iam", "DeleteRolePolicy", delete_role_policy);
  r.add("iam", "ListRolePolicies", list_role_policies);
  r.add("iam", "AttachRolePolicy", attach_role_policy);
  r.add("iam", "DetachRolePolicy", detach_role_policy);
  r.add("iam", "ListAttachedRolePolicies", list_attached_role_policies);
  r.add("iam", "PutRolePermissionsBoundary", put_role_permissions_boundary);
  r.add("iam", "DeleteRolePermissionsBoundary", delete_role_permissions_boundary);
  r.add("iam", "ListInstanceProfilesForRole", list_instance_profiles_for_role);
  r.add("iam", "ListInstanceProfiles", list_instance_profiles);
}

}  // namespace zonesim::iam
