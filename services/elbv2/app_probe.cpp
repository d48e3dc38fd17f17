#include "services/elbv2/app_probe.hpp"

namespace zonesim::elbv2 {

namespace {

testing::AppAnswerFn& override_fn() {
  static testing::AppAnswerFn fn;
  return fn;
}

}  // namespace

ecs::AppAnswer probe_app(const Env& env, const std::string& scope, const std::string& ip, int port,
                         const std::string& from_zone, const std::string& path) {
  if (const auto& fn = override_fn()) return fn(env, scope, ip, port, from_zone, path);
  return ecs::app_answer(env, scope, ip, port, from_zone, path);
}

void testing::set_app_answer_override(AppAnswerFn fn) {
  override_fn() = std::move(fn);
}

}  // namespace zonesim::elbv2
