#include "emulator/control/coverage.hpp"

#include "emulator/protocol/model.hpp"

namespace zonesim {

json coverage_json(const Registry& registry) {
  json out = json::object();
  for (const auto& name : protocol::ServiceModel::names()) {
    const auto* m = protocol::ServiceModel::get(name);
    json served = json::array(), modelled = json::array();
    for (auto& [op, o] : m->operations())
      (registry.has(name, op) ? served : modelled).push_back(op);
    out[name] = {{"service_id", m->service_id()},
                 {"served", served},
                 {"modelled_not_served", modelled},
                 {"aws_operations", m->operations().size() + m->unserved().size()}};
  }
  return out;
}

std::string coverage_markdown(const Registry& registry) {
  std::string md = "| service | served | of AWS's operations | operations |\n|---|---:|---:|---|\n";
  json c = coverage_json(registry);
  for (auto& [name, s] : c.items()) {
    std::string ops;
    for (auto& o : s["served"]) ops += (ops.empty() ? "" : ", ") + o.get<std::string>();
    md += "| " + s["service_id"].get<std::string>() + " | " + std::to_string(s["served"].size()) +
          " | " + std::to_string(s["aws_operations"].get<std::size_t>()) + " | " + ops + " |\n";
  }
  return md;
}

}  // namespace zonesim
