#include "emulator/app/app.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <map>

#include "emulator/drill/runner.hpp"
#include "emulator/protocol/codec.hpp"
#include "emulator/protocol/sigv4.hpp"
#include "emulator/store/state_not_saved.hpp"
#include "services/elbv2/dataplane.hpp"

namespace zonesim {

namespace {

using protocol::Protocol;
using protocol::ServiceModel;

// Signing name (credential scope) -> zonesim service, for the services not routed by X-Amz-Target.
const ServiceModel* model_for_signing_name(std::string_view signing, std::string_view version) {
  if (signing == "elasticloadbalancing") {
    if (!version.empty() && version != "2015-12-01") return nullptr;  // classic ELB
    return ServiceModel::get("elbv2");
  }
  for (const char* n : {"ec2", "ecs", "rds", "iam", "logs", "sts"})
    if (signing == n) return ServiceModel::get(n);
  return nullptr;
}

const ServiceModel* model_for_target_prefix(std::string_view prefix) {
  // Every JSON request asks: the answer is kept per prefix (and per thread: no lock).
  thread_local std::map<std::string, const ServiceModel*, std::less<>> known;
  if (auto it = known.find(prefix); it != known.end()) return it->second;
  const ServiceModel* found = nullptr;
  for (const auto& n : ServiceModel::names()) {
    const ServiceModel* m = ServiceModel::get(n);
    if (m->protocol() == Protocol::json && m->target_prefix() == prefix) {
      found = m;
      break;
    }
  }
  if (found || known.size() < 64) known.emplace(prefix, found);  // bounded: clients choose it
  return found;
}

// An error for a request whose service is unknown: the AWS query error shape.
http::Response generic_error(int status, const std::string& code, const std::string& message,
                             const std::string& request_id) {
  http::Response r;
  r.status = status;
  r.content_type = "text/xml";
  // Reuse the query serializer through the STS model (any query model gives the same shape).
  r.body = protocol::serialize_error(*ServiceModel::get("sts"), AwsError(code, message, status),
                                     request_id)
               .body;
  r.headers.emplace_back("x-amzn-RequestId", request_id);
  return r;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

App::App(Config config, const std::string& state_path, sim::Millis epoch_ms)
    : env_(std::make_unique<Env>(std::move(config), state_path, epoch_ms)) {
  register_all(registry_);
  env_->hooks = registry_.hooks;
  // Continue the persisted random sequence and clock after a restart.
  if (auto rng = env_->store.meta("rng")) {
    std::array<std::uint64_t, 4> s{};
    std::size_t pos = 0;
    for (auto& v : s) {
      std::size_t next = rng->find(',', pos);
      std::string part = rng->substr(pos, next - pos);
      std::from_chars(part.data(), part.data() + part.size(), v);
      pos = next == std::string::npos ? next : next + 1;
    }
    env_->rng.restore(s);
  }
  if (auto t = env_->store.meta("clock_ms")) {
    sim::Millis ms = 0;
    std::from_chars(t->data(), t->data() + t->size(), ms);
    if (ms > env_->clock.now()) env_->clock.set_now(ms);
  }
  if (env_->config.clock_mode == "realtime")
    realtime_.emplace(env_->clock.now(), env_->config.speed);
}

std::size_t App::advance_by(sim::Millis ms) {
  if (realtime_) realtime_->skip(ms);
  return advance_to(env_->clock.now() + ms);
}

App::~App() = default;

void App::sync() {
  // Runs before every request and every 100 ms. When no event is due only the clock moved, and
  // the clock is persisted with the next change (and by checkpoint() at shutdown) rather than by
  // an SQLite write of its own per request: after a crash it resumes from the last change, at
  // which time nothing has happened since. A drill holding the clock stops the driver.
  if (realtime_ && !clock_held_) advance_to(realtime_->target());
}

void App::hold_clock(bool hold) {
  if (clock_held_ && !hold && realtime_)
    realtime_.emplace(env_->clock.now(), env_->config.speed);  // resume from the drill's end
  clock_held_ = hold;
}

void App::checkpoint() {
  env_->store.begin();
  persist_runtime_state();
  env_->store.commit();
}

void App::reset() {
  drill_.reset();  // a drill in progress ends with the state it ran on
  hold_clock(false);
  env_->store.begin();
  env_->store.clear();
  env_->store.clear_timeline();
  env_->store.clear_calls();
  env_->clock.clear();
  env_->volatile_counters.clear();
  forget_logged_reads();
  persist_runtime_state();
  env_->store.commit();
  unimplemented_.clear();
}

void App::persist_runtime_state() {
  auto s = env_->rng.state();
  env_->store.set_meta("rng", std::to_string(s[0]) + "," + std::to_string(s[1]) + "," +
                                  std::to_string(s[2]) + "," + std::to_string(s[3]));
  env_->store.set_meta("clock_ms", std::to_string(env_->clock.now()));
}

std::size_t App::advance_to(sim::Millis t) {
  // Nothing due: time just moves (drills and the realtime driver call this constantly). The
  // clock is persisted with the next event or change (and by checkpoint() at shutdown); an idle
  // stretch lost to a crash changed nothing anyone could observe.
  sim::Millis due = env_->clock.next_due();
  if (due < 0 || due > t) return env_->clock.advance_to(t);
  env_->store.begin();
  try {
    std::size_t n = env_->clock.advance_to(t);
    persist_runtime_state();
    env_->store.commit();
    return n;
  } catch (...) {
    if (env_->store.in_transaction()) env_->store.rollback();
    throw;
  }
}

http::Response App::handle(const http::Request& req) {
  std::string_view path = req.target;
  if (path.substr(0, 10) == "/_zonesim/" || path == "/_zonesim" ||
      path.substr(0, 10) == "/_zonesim?") {
    if (!control_authorized(req)) {
      http::Response r;
      r.status = 401;
      r.content_type = "application/json";
      r.body = json{{"error",
                     {{"code", "Unauthorized"},
                      {"message",
                       "this zonesim wants its control token: Authorization: Bearer <token>"}}}}
                   .dump();
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"zonesim\"");
      r.service = "zonesim";
      return r;
    }
    return handle_control(req);
  }
  std::string_view host = req.header("host");
  if (elbv2::may_be_load_balancer_host(host))
    if (auto lb = elbv2::find_by_host(*env_, host))
      return handle_alb(req, lb->scope, lb->arn, elbv2::listener_port_for_host(*env_, *lb, host),
                        std::string(host), req.target);
  return handle_aws(req);
}

bool App::control_authorized(const http::Request& req) const {
  const std::string& token = env_->config.control_token;
  if (token.empty()) return true;
  std::string_view path = std::string_view(req.target).substr(0, req.target.find('?'));
  if (path == "/_zonesim/health") return true;              // liveness probes need no secret
  if (path.substr(0, 14) == "/_zonesim/alb/") return true;  // the ALB data plane, not control
  std::string_view auth = req.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() != kBearer.size() + token.size() || auth.substr(0, kBearer.size()) != kBearer)
    return false;
  return CRYPTO_memcmp(auth.data() + kBearer.size(), token.data(), token.size()) == 0;
}

std::optional<AwsError> App::authenticate(const http::Request& req,
                                          const protocol::Credential& cred,
                                          const protocol::ServiceModel& model,
                                          std::string& account) const {
  // Each protocol family answers authentication failures its own way (AWS's documented codes):
  // EC2 AuthFailure/RequestExpired; the query services (IAM, STS, RDS, ELBv2) 403
  // InvalidClientTokenId/SignatureDoesNotMatch; the JSON services (ECS, Logs) 400
  // UnrecognizedClientException/InvalidSignatureException.
  Protocol p = model.protocol();
  auto it = env_->config.key_pairs.find(cred.access_key);
  if (it == env_->config.key_pairs.end()) {
    if (p == Protocol::ec2)
      return AwsError("AuthFailure", "AWS was not able to validate the provided access credentials",
                      401);
    if (p == Protocol::json)
      return AwsError("UnrecognizedClientException",
                      "The security token included in the request is invalid.", 400);
    return AwsError("InvalidClientTokenId",
                    "The security token included in the request is invalid.", 403);
  }
  // The one wall-clock read in request handling: a signature's date is checked against real time,
  // as AWS does, because the client signs with its real clock while sim time may be anywhere.
  std::int64_t now = env_->config.auth_clock ? env_->config.auth_clock() : sim::wall_now_ms();
  // AWS allows 15 minutes of skew; the JSON services (ECS, Logs) 5.
  std::int64_t skew = (p == Protocol::json ? 5 : 15) * 60 * 1000;
  auto v = protocol::verify(req, cred, it->second.secret, now, skew);
  using protocol::Verdict;
  if (v.verdict == Verdict::ok) {
    if (!it->second.account.empty()) account = it->second.account;
    return std::nullopt;
  }
  if (v.verdict == Verdict::missing_date || v.verdict == Verdict::bad_date)
    return AwsError("IncompleteSignature", v.message, 400);
  bool stale = v.verdict == Verdict::expired || v.verdict == Verdict::not_yet_current;
  if (p == Protocol::ec2)
    return stale ? AwsError("RequestExpired", "Request has expired. " + v.message, 400)
                 : AwsError("AuthFailure",
                            "AWS was not able to validate the provided access credentials", 401);
  if (p == Protocol::json) return AwsError("InvalidSignatureException", v.message, 400);
  return AwsError("SignatureDoesNotMatch", v.message, 403);
}

http::Response App::handle_aws(const http::Request& req) {
  std::string request_id = env_->rng.uuid();
  std::string_view target_query;
  if (auto q = req.target.find('?'); q != std::string::npos)
    target_query = std::string_view(req.target).substr(q + 1);

  // 1. Who is calling, and which service they signed for.
  std::optional<protocol::Credential> cred;
  std::string_view auth = req.header("authorization");
  protocol::FormParams url_params;
  try {
    url_params = protocol::parse_form(target_query);
  } catch (const AwsError& e) {
    return generic_error(400, e.code(), e.message(), request_id);
  }
  if (!auth.empty()) {
    cred = protocol::parse_authorization(auth);
    if (!cred)
      return generic_error(400, "IncompleteSignature",
                           "Authorization header requires 'Credential', 'Signature' and "
                           "'SignedHeaders' parameters of the AWS4-HMAC-SHA256 algorithm.",
                           request_id);
  } else {
    cred = protocol::parse_presigned(url_params);  // presigned query-string credentials
    if (!cred)
      return generic_error(403, "MissingAuthenticationToken",
                           "Request is missing Authentication Token", request_id);
  }

  // 2. Which service and operation.
  const ServiceModel* model = nullptr;
  std::string operation;
  protocol::FormParams params;
  std::string_view amz_target = req.header("x-amz-target");
  if (!amz_target.empty()) {
    auto dot = amz_target.find('.');
    model = model_for_target_prefix(amz_target.substr(0, dot));
    if (!model)
      return generic_error(
          501, "NotImplemented",
          "zonesim does not emulate the service of target '" + std::string(amz_target) + "'",
          request_id);
    operation = dot == std::string_view::npos ? "" : std::string(amz_target.substr(dot + 1));
  } else {
    params = url_params;
    bool form =
        lower(req.header("content-type")).rfind("application/x-www-form-urlencoded", 0) == 0;
    if (req.method == "POST" && form) {
      try {
        auto body = protocol::parse_form(req.body);
        params.insert(params.end(), body.begin(), body.end());
      } catch (const AwsError& e) {
        return generic_error(400, e.code(), e.message(), request_id);
      }
    }
    std::string version;
    for (auto& [k, v] : params) {
      if (k == "Action") operation = v;
      if (k == "Version") version = v;
    }
    model = model_for_signing_name(cred->service, version);
    if (!model)
      return generic_error(501, "NotImplemented",
                           "zonesim does not emulate the service '" + cred->service +
                               (version.empty() ? "" : "' (API version " + version + ")") +
                               (version.empty() ? "'" : ""),
                           request_id);
  }
  // 2b. With --auth verify: is it really them? Answered in the service's own error shape.
  std::string account = protocol::account_for_key(cred->access_key, env_->config.default_account);
  if (env_->config.verify_signatures) {
    if (auto denied = authenticate(req, *cred, *model, account)) {
      auto enc = protocol::serialize_error(*model, *denied, request_id);
      http::Response r{enc.status,    enc.content_type,
                       enc.body,      {{"x-amzn-RequestId", request_id}},
                       model->name(), operation.empty() ? "-" : operation};
      if (model->protocol() == Protocol::json)
        r.headers.emplace_back("x-amzn-ErrorType", denied->code());
      return r;
    }
  }
  if (amz_target.empty() && model->protocol() == Protocol::json) {
    // A JSON service called without X-Amz-Target.
    AwsError e("UnknownOperationException", "Missing X-Amz-Target header");
    auto enc = protocol::serialize_error(*model, e, request_id);
    return http::Response{
        enc.status,    enc.content_type,
        enc.body,      {{"x-amzn-RequestId", request_id}, {"x-amzn-ErrorType", e.code()}},
        model->name(), "-"};
  }

  http::Response resp;
  resp.service = model->name();
  resp.operation = operation.empty() ? "-" : operation;
  resp.headers.emplace_back("x-amzn-RequestId", request_id);
  auto fail = [&](const AwsError& e) {
    auto enc = protocol::serialize_error(*model, e, request_id);
    resp.status = enc.status;
    resp.content_type = enc.content_type;
    resp.body = std::move(enc.body);
    if (model->protocol() == Protocol::json)
      resp.headers.emplace_back("x-amzn-ErrorType", e.code());
    return resp;
  };

  const protocol::Operation* op = model->operation(operation);
  const Handler* handler = op ? registry_.find(model->name(), operation) : nullptr;
  if (!handler) {
    if (operation.empty() && model->protocol() != Protocol::json)
      return fail(AwsError("MissingAction", "The request must contain the parameter Action"));
    if (op) {  // modelled and trimmed in, but no handler yet: bad input still gets its error
      try {
        if (model->protocol() == Protocol::json)
          protocol::parse_json_input(*model, *op, req.body);
        else
          protocol::parse_query_input(*model, *op, params);
      } catch (const AwsError& e) {
        return fail(e);
      }
    }
    if (op || model->is_unserved(operation)) {
      ++unimplemented_[model->name() + ":" + operation];
      return fail(AwsError("NotImplemented",
                           "zonesim does not implement " + model->name() + ":" + operation + " yet",
                           501, false));
    }
    if (model->protocol() == Protocol::json) return fail(AwsError("UnknownOperationException", ""));
    if (model->protocol() == Protocol::ec2)
      return fail(AwsError("InvalidAction",
                           "The action " + operation + " is not valid for this web service."));
    return fail(AwsError("InvalidAction", "Could not find operation " + operation +
                                              " for version " + model->api_version()));
  }

  // 3. Parse, run, serialize, commit: all or nothing.
  Call call{*env_,
            model->name(),
            operation,
            account,
            cred->region.empty() ? env_->config.region : cred->region,
            request_id,
            json(),
            cred->access_key};
  call.may_borrow = true;
  env_->store.begin();
  try {
    call.input = model->protocol() == Protocol::json
                     ? protocol::parse_json_input(*model, *op, req.body)
                     : protocol::parse_query_input(*model, *op, params);
    json output = (*handler)(call);
    auto enc = protocol::serialize_output(*model, *op, output, request_id);
    log_call(call.service, call.operation, call.account, call.region, call.input, output, true);
    if (env_->store.dirty()) persist_runtime_state();
    env_->store.commit();
    resp.status = enc.status;
    resp.content_type = std::move(enc.content_type);
    resp.body = std::move(enc.body);
    return resp;
  } catch (const AwsError& e) {
    if (env_->store.in_transaction()) env_->store.rollback();
    return fail(e);
  } catch (const store::StateNotSaved& e) {
    // Disk full or unwritable: nothing happened, and the client may retry (SDKs retry 503).
    spdlog::error("{}:{} not saved: {}", model->name(), operation, e.what());
    return fail(AwsError("ServiceUnavailable",
                         "zonesim could not save its state (" + std::string(e.what()) +
                             "); the request was not applied",
                         503, false));
  } catch (const std::exception& e) {
    if (env_->store.in_transaction()) env_->store.rollback();
    forget_logged_reads();  // the call log may have lost this call with the commit
    spdlog::error("{}:{} failed: {}", model->name(), operation, e.what());
    return fail(AwsError("InternalFailure", std::string("zonesim internal error: ") + e.what(), 500,
                         false));
  }
}

}  // namespace zonesim
