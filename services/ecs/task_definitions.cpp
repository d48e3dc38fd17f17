// ECS task definitions: RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition,
// ListTaskDefinitions, ListTaskDefinitionFamilies.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "services/ecs/common.hpp"

namespace zonesim::ecs {

namespace {

// "1024", "1 vCPU", "1vcpu" -> 1024 CPU units; "2048", "2 GB", "2GB" -> 2048 MiB.
std::optional<long> parse_units(const std::string& text, bool cpu) {
  std::string s;
  for (char ch : text)
    if (!std::isspace(static_cast<unsigned char>(ch)))
      s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  long scale = 1;
  const char* suffix = cpu ? "vcpu" : "gb";
  const std::size_t n = std::char_traits<char>::length(suffix);
  if (s.size() > n && s.compare(s.size() - n, n, suffix) == 0) {
    s.resize(s.size() - n);
    scale = 1024;
  } else if (!cpu && s.size() > 3 && s.compare(s.size() - 3, 3, "mib") == 0) {
    s.resize(s.size() - 3);
  }
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || v <= 0)
    return std::nullopt;
  double units = v * static_cast<double>(scale);
  if (units != static_cast<double>(static_cast<long>(units))) return std::nullopt;
  return static_cast<long>(units);
}

// Fargate task sizes (Amazon ECS developer guide, "Task size").
bool valid_fargate_size(long cpu, long memory) {
  auto in_steps = [&](long lo, long hi, long step) {
    return memory >= lo && memory <= hi && memory % step == 0;
  };
  switch (cpu) {
    case 256:
      return memory == 512 || memory == 1024 || memory == 2048;
    case 512:
      return in_steps(1024, 4096, 1024);
    case 1024:
      return in_steps(2048, 8192, 1024);
    case 2048:
      return in_steps(4096, 16384, 1024);
    case 4096:
      return in_steps(8192, 30720, 1024);
    case 8192:
      return in_steps(16384, 61440, 4096);
    case 16384:
      return in_steps(32768, 122880, 8192);
    default:
      return false;
  }
}

// A container definition as ECS stores it: the request plus ECS's standard defaults, nothing
// else (the Terraform provider compares it with its configuration after normalising exactly
// these).
json normalize_container(json cd, const std::string& network_mode) {
  if (!cd.contains("cpu")) cd["cpu"] = 0;
  if (!cd.contains("essential")) cd["essential"] = true;
  json mappings = cd.value("portMappings", json::array());
  for (auto& pm : mappings) {
    if (!pm.contains("protocol") && !pm.contains("containerPortRange")) pm["protocol"] = "tcp";
    if ((network_mode == "awsvpc" || network_mode == "host") && !pm.contains("hostPort") &&
        pm.contains("containerPort"))
      pm["hostPort"] = pm["containerPort"];
  }
  cd["portMappings"] = mappings;
  if (cd.contains("healthCheck")) {
    json& hc = cd["healthCheck"];
    if (!hc.contains("interval")) hc["interval"] = 30;
    if (!hc.contains("timeout")) hc["timeout"] = 5;
    if (!hc.contains("retries")) hc["retries"] = 3;
  }
  for (const char* list : {"environment", "mountPoints", "volumesFrom", "systemControls"})
    if (!cd.contains(list)) cd[list] = json::array();
  return cd;
}

void validate_containers(const json& containers, const json& in, bool fargate) {
  if (containers.empty()) throw client_exception("Container list cannot be empty.");
  const std::string mode = in.value("networkMode", "");
  std::set<std::string> names;
  bool essential = false;
  for (auto& cd : containers) {
    const std::string name = cd.value("name", "");
    if (name.empty()) throw client_exception("Container.name should not be null or empty.");
    if (cd.value("image", "").empty())
      throw client_exception("Container.image should not be null or empty.");
    if (!names.insert(name).second)
      throw client_exception("Container names must be unique within a task definition.");
    essential = essential || cd.value("essential", true);
    if (!in.contains("memory") && !cd.contains("memory") && !cd.contains("memoryReservation"))
      throw client_exception("Invalid setting for container '" + name +
                             "'. At least one of 'memory' or 'memoryReservation' must be "
                             "specified.");
    if (cd.contains("memory") && cd.contains("memoryReservation") &&
        cd["memory"].get<long>() < cd["memoryReservation"].get<long>())
      throw client_exception("Invalid setting for container '" + name +
                             "'. 'memory' must be greater than or equal to 'memoryReservation'.");
    for (auto& pm : cd.value("portMappings", json::array())) {
      if ((mode == "awsvpc" || mode == "host") && pm.contains("hostPort") &&
          pm.contains("containerPort") && pm["hostPort"] != pm["containerPort"])
        throw client_exception("When networkMode=" + mode +
                               ", the host ports and container ports in port mappings must "
                               "match.");
    }
    const json log = cd.value("logConfiguration", json::object());
    if (fargate && log.value("logDriver", "") == "awslogs" && !in.contains("executionRoleArn"))
      throw client_exception(
          "Fargate requires task definition to have execution role ARN to support log driver "
          "awslogs.");
  }
  if (!essential) throw client_exception("Task definition does not have any essential container.");
}

// What ECS reports a definition needs from its container instance (informational).
json requires_attributes(const json& td) {
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  for (auto& cd : td["containerDefinitions"]) {
    if (cd.contains("logConfiguration")) {
      std::string driver = cd["logConfiguration"].value("logDriver", "");
      add("com.amazonaws.ecs.capability.logging-driver." + driver);
      if (driver == "awslogs" && td.contains("executionRoleArn"))
        add("ecs.capability.execution-role-awslogs");
      add("com.amazonaws.ecs.capability.docker-remote-api.1.19");
    }
    if (cd.contains("healthCheck")) add("ecs.capability.container-health-check");
    if (cd.contains("dependsOn")) add("ecs.capability.container-ordering");
  }
  if (td.value("networkMode", "") == "awsvpc") {
    add("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    add("ecs.capability.task-eni");
  }
  json out = json::array();
  for (auto& n : names) out.push_back({{"name", n}});
  return out;
}

json register_task_definition(Call& c) {
  const std::string scope = c.scope();
  const json& in = c.input;
  const std::string family = in.value("family", "");
  static const std::regex kFamily("[A-Za-z0-9_-]{1,255}");
  if (!std::regex_match(family, kFamily))
    throw client_exception(
        "Family must be up to 255 letters (uppercase and lowercase), numbers, hyphens, and "
        "underscores.");
  json requires_compat = in.value("requiresCompatibilities", json::array());
  const bool fargate =
      std::find(requires_compat.begin(), requires_compat.end(), "FARGATE") != requires_compat.end();

  std::optional<long> cpu, memory;
  if (in.contains("cpu")) {
    cpu = parse_units(in["cpu"].get<std::string>(), true);
    if (!cpu) throw invalid_parameter("Invalid 'cpu' setting for task.");
  }
  if (in.contains("memory")) {
    memory = parse_units(in["memory"].get<std::string>(), false);
    if (!memory) throw invalid_parameter("Invalid 'memory' setting for task.");
  }
  const std::string mode = in.value("networkMode", "");
  if (fargate) {
    if (mode != "awsvpc")
      throw client_exception("Fargate only supports network mode \u2018awsvpc\u2019.");
    if (!cpu) throw client_exception("Fargate requires that 'cpu' be defined at the task level.");
    if (!memory)
      throw client_exception("Fargate requires that 'memory' be defined at the task level.");
    if (!valid_fargate_size(*cpu, *memory))
      throw client_exception("No Fargate configuration exists for given values: " +
                             std::to_string(*cpu) + " CPU, " + std::to_string(*memory) +
                             " memory. See the Amazon ECS documentation for the valid values.");
  }
  const json containers = in.value("containerDefinitions", json::array());
  validate_containers(containers, in, fargate);
  json tags = in.value("tags", json::array());
  validate_tags(tags);

  int revision = 0;
  for (auto& [key, td] : c.env.store.list(scope, kTaskDefinitionKind))
    if (td->value("family", "") == family) revision = std::max(revision, td->value("revision", 0));
  ++revision;
  const std::string key = family + ":" + std::to_string(revision);

  json td = {{"taskDefinitionArn", ecs_arn(scope, "task-definition/" + key)},
             {"containerDefinitions", json::array()},
             {"family", family},
             {"revision", revision},
             {"volumes", in.value("volumes", json::array())},
             {"status", "ACTIVE"},
             {"placementConstraints", in.value("placementConstraints", json::array())},
             {"registeredAt", c.now()},
             {"registeredBy", "arn:aws:iam::" + c.account + ":root"},
             {"_tags", tags}};
  for (auto& cd : containers) td["containerDefinitions"].push_back(normalize_container(cd, mode));
  for (const char* k : {"taskRoleArn", "executionRoleArn", "networkMode", "requiresCompatibilities",
                        "runtimePlatform", "pidMode", "ipcMode", "proxyConfiguration",
                        "inferenceAccelerators", "ephemeralStorage", "enableFaultInjection"})
    if (in.contains(k)) td[k] = in[k];
  if (cpu) td["cpu"] = std::to_string(*cpu);
  if (memory) td["memory"] = std::to_string(*memory);
  // Where the definition can run: Fargate needs awsvpc and a Fargate task size.
  const bool fargate_capable =
      mode == "awsvpc" && cpu && memory && valid_fargate_size(*cpu, *memory);
  td["compatibilities"] =
      mode == "awsvpc" ? (fargate_capable ? json::array({"EC2", "FARGATE"}) : json::array({"EC2"}))
                       : json::array({"EXTERNAL", "EC2"});
  td["requiresAttributes"] = requires_attributes(td);
  c.env.store.put(scope, kTaskDefinitionKind, key, td);
  return {{"taskDefinition", td}, {"tags", tags}};
}

json describe_task_definition(Call& c) {
  const json* td =
      find_task_definition(c.env, c.scope(), c.input.value("taskDefinition", std::string()));
  if (!td) throw client_exception("Unable to describe task definition.");
  json out = {{"taskDefinition", *td}};
  for (auto& i : c.input.value("include", json::array()))
    if (i == "TAGS") out["tags"] = td->value("_tags", json::array());
  return out;
}

json deregister_task_definition(Call& c) {
  const std::string ref = c.input.value("taskDefinition", std::string());
  if (last_segment(ref).find(':') == std::string::npos)
    throw client_exception("Task definition revision must be specified.");
  const json* found = find_task_definition(c.env, c.scope(), ref);
  if (!found) throw client_exception("Unable to describe task definition.");
  const std::string key =
      found->value("family", "") + ":" + std::to_string(found->value("revision", 0));
  json* td = c.env.store.get_mut(c.scope(), kTaskDefinitionKind, key);
  if (td->value("status", "") == "ACTIVE") {
    (*td)["status"] = "INACTIVE";
    (*td)["deregisteredAt"] = c.now();
  }
  return {{"taskDefinition", *td}};
}

json list_task_definitions(Call& c) {
  const std::string prefix = c.input.value("familyPrefix", "");
  const std::string status = c.input.value("status", "ACTIVE");
  const bool desc = c.input.value("sort", "ASC") == "DESC";
  std::vector<std::pair<std::pair<std::string, int>, std::string>> found;
  for (auto& [key, td] : c.env.store.list(c.scope(), kTaskDefinitionKind)) {
    const std::string family = td->value("family", "");
    if (family.rfind(prefix, 0) != 0 || td->value("status", "") != status) continue;
    found.push_back({{family, td->value("revision", 0)}, td->value("taskDefinitionArn", "")});
  }
  std::sort(found.begin(), found.end());
  if (desc) std::reverse(found.begin(), found.end());
  std::vector<std::string> arns;
  for (auto& f : found) arns.push_back(f.second);
  return paginate(arns, c.input, "taskDefinitionArns", 100, 100);
}

json list_task_definition_families(Call& c) {
  const std::string prefix = c.input.value("familyPrefix", "");
  const std::string status = c.input.value("status", "ALL");
  std::map<std::string, bool> families;  // family -> has an ACTIVE revision
  for (auto& [key, td] : c.env.store.list(c.scope(), kTaskDefinitionKind)) {
    const std::string family = td->value("family", "");
    if (family.rfind(prefix, 0) != 0) continue;
    families[family] = families[family] || td->value("status", "") == "ACTIVE";
  }
  std::vector<std::string> out;
  for (auto& [family, active] : families)
    if (status == "ALL" || (status == "ACTIVE") == active) out.push_back(family);
  return paginate(out, c.input, "families", 100, 100);
}

}  // namespace

void register_task_definitions(Registry& r) {
  r.add("ecs", "RegisterTaskDefinition", register_task_definition);
  r.add("ecs", "DescribeTaskDefinition", describe_task_definition);
  r.add("ecs", "DeregisterTaskDefinition", deregister_task_definition);
  r.add("ecs", "ListTaskDefinitions", list_task_definitions);
  r.add("ecs", "ListTaskDefinitionFamilies", list_task_definition_families);
}

}  // namespace zonesim::ecs
