#pragma once
// The contract between the protocol layer and the services: a handler takes the parsed input
// (keys = the model's member names) and returns the output the same way, or throws AwsError.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "emulator/core/aws_error.hpp"
#include "emulator/core/env.hpp"
#include "emulator/core/json.hpp"

namespace zonesim {

struct Call {
  Env& env;
  std::string service;    // zonesim service name: ec2, elbv2, ecs, rds, iam, logs, sts
  std::string operation;  // e.g. CreateVpc
  std::string account;
  std::string region;
  std::string request_id;
  json input;
  std::string access_key;  // the caller's access key id (STS answers who that is)
  // The answer goes straight to the serializer: a read may borrow stored documents instead of
  // copying them (emulator/core/json.hpp). False for in-process callers, which keep the answer.
  bool may_borrow = false;

  // Where this account's regional resources live; IAM is global per account.
  std::string scope() const { return account + "/" + region; }
  std::string global_scope() const { return account + "/global"; }
  std::int64_t now() const { return env.clock.now(); }
};

using Handler = std::function<json(Call&)>;

class Registry {
 public:
  void add(const std::string& service, const std::string& operation, Handler h) {
    handlers_[{service, operation}] = std::move(h);
  }
  const Handler* find(std::string_view service, std::string_view operation) const {
    auto it = handlers_.find({std::string(service), std::string(operation)});
    return it == handlers_.end() ? nullptr : &it->second;
  }
  bool has(std::string_view service, std::string_view operation) const {
    return find(service, operation) != nullptr;
  }
  const std::map<std::pair<std::string, std::string>, Handler>& all() const { return handlers_; }

  // Simulation hooks (zone changes, timeline) the services register; App installs them in Env.
  SimHooks hooks;
  // POST /_zonesim/faults actions ("stop-task", "app-state", "rds-failover", ...): the body in,
  // a JSON result out; AwsError for bad input.
  using FaultHandler = std::function<json(Env&, const json& body)>;
  std::map<std::string, FaultHandler> fault_handlers;

 private:
  std::map<std::pair<std::string, std::string>, Handler> handlers_;
};

// Each service folder defines its register function; services/register_all.cpp calls them all.
void register_ec2(Registry& r);
void register_elbv2(Registry& r);
void register_ecs(Registry& r);
void register_rds(Registry& r);
void register_iam(Registry& r);
void register_logs(Registry& r);
void register_sts(Registry& r);
void register_all(Registry& r);

}  // namespace zonesim
